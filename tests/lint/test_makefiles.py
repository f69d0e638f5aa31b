"""Every rendered Makefile parses and plans each of its documented targets."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import RenderedProject
from tests.lint.collect import distinct_files
from tests.report import record

# The targets every project has (issue: the Makefile later layers fill).
REQUIRED_TARGETS = {
    "help",
    "env",
    "install",
    "lint",
    "typecheck",
    "test",
    "build",
    "migrate",
    "start",
    "deploy",
    "backup",
    "restore",
}
DOCUMENTED_TARGET = re.compile(r"^([a-z][a-z -]*):.*## ", re.MULTILINE)


def test_makefiles_parse_and_plan_every_target(rendered_matrix: list[RenderedProject]) -> None:
    makefiles = distinct_files(rendered_matrix, lambda relative, _: str(relative) == "Makefile")
    assert makefiles
    record(f"lint: make --dry-run on {len(makefiles)} distinct Makefiles")
    problems = []
    for entry in makefiles:
        text = entry.path.read_text()
        targets = {t for group in DOCUMENTED_TARGET.findall(text) for t in group.split()}
        if missing := REQUIRED_TARGETS - targets:
            problems.append(f"{entry.labels[0]}: no target {sorted(missing)}")
        for target in sorted(targets - {"test", "install", "up", "down"}):
            # --dry-run prints the commands without running them: it proves make can parse
            # the file and expand every variable of the recipe.
            result = subprocess.run(
                ["make", "--dry-run", target, "TAG=v1"],
                cwd=entry.path.parent,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            # make marks its fatal errors (syntax, no rule, bad recursion) with "***".
            if result.returncode != 0 or "***" in result.stderr:
                problems.append(f"{entry.labels[0]} {target}: {result.stderr.strip()}")
    assert not problems, "\n".join(problems)
