"""zizmor, the GitHub Actions security linter, over every rendered workflow: no finding at all.

It runs with --offline (no GitHub API here), so the audits that need the network (a pinned
SHA that is not on the tag its comment names, known-vulnerable action versions) are left to
Dependabot, which keeps each `uses: owner/repo@<sha> # vX.Y.Z` current. Default persona: every
finding it reports, at every severity and confidence, fails the test. The stricter personas'
extra findings are listed in docs/testing.md with the reason each is not fixed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RenderedProject
from tests.lint.collect import distinct_files, is_workflow
from tests.lint.tools import tool
from tests.report import record

PINNED_CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2"
KEEP_NO_TOKEN = (
    "        with:\n"
    "          # Nothing here pushes: no token is left in .git/config for later steps.\n"
    "          persist-credentials: false\n"
)


def zizmor(*paths: Path) -> list[dict[str, Any]]:
    """zizmor's findings over these workflow files (its JSON output), [] when clean."""
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--format=json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # Exit 0: no finding; 10-14: findings, by their highest severity; anything else: it broke.
    assert result.returncode == 0 or 10 <= result.returncode <= 14, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert bool(findings) == (result.returncode != 0), result.stdout
    return findings


def describe(finding: dict[str, Any]) -> str:
    location = finding["locations"][0]
    where = next(iter(location["symbolic"]["key"].values())).get("verbatim_path", "?")
    line = location["concrete"]["location"]["start_point"]["row"] + 1
    level = finding["determinations"]
    return f"{where}:{line}: {finding['ident']} ({level['severity']}, {level['confidence']})"


def test_zizmor_finds_nothing_in_any_rendered_workflow(
    rendered_matrix: list[RenderedProject],
) -> None:
    files = distinct_files(rendered_matrix, is_workflow)
    assert files, "no workflow is rendered by any combination"
    findings = zizmor(*(entry.path for entry in files))
    rendered = sum(len(entry.labels) for entry in files)
    record(
        f"lint: zizmor --offline on {len(files)} distinct workflow(s) of {rendered} rendered:"
        f" {len(findings)} finding(s)"
    )
    assert not findings, "\n".join(map(describe, findings))


# Each edit breaks one rule a generated workflow keeps; zizmor must name it.
BREAKAGES: dict[str, tuple[Callable[[str], str], str]] = {
    "unpinned action": (
        lambda ci: ci.replace(PINNED_CHECKOUT, "actions/checkout@v6.0.2"),
        "unpinned-uses",
    ),
    "token left in .git/config": (
        lambda ci: ci.replace(f"{PINNED_CHECKOUT}\n{KEEP_NO_TOKEN}", f"{PINNED_CHECKOUT}\n"),
        "artipacked",
    ),
    "pull request title in a shell": (
        lambda ci: ci.replace(
            "      - name: Install\n",
            '      - name: Greet\n        run: echo "${{ github.event.pull_request.title }}"\n'
            "      - name: Install\n",
        ),
        "template-injection",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_zizmor_refuses_a_broken_workflow(
    rendered_matrix: list[RenderedProject], tmp_path: Path, breakage: str
) -> None:
    edit, ident = BREAKAGES[breakage]
    original = (rendered_matrix[0].path / ".github" / "workflows" / "ci.yml").read_text()
    broken = edit(original)
    assert broken != original, f"the edit for {breakage!r} changed nothing"
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(broken)
    assert ident in {finding["ident"] for finding in zizmor(workflow)}
