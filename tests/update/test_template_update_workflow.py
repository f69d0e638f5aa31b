"""The weekly template-update workflow's update step, run for real on a generated project.

Its other steps talk to GitHub (the pull request list, the push, `gh pr create`) and only pass
actionlint and the workflow schema in the lint layer. This one is plain git and copier: the
test takes its `run:` script from the rendered workflow and runs it as a GitHub runner's bash
does, in a project whose team edited a line the template's next release changes too, and
checks the branch, the commit-ready index with the conflict left marked, and the outputs the
pull request step reads.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.paths import VENV_BIN
from tests.template_repo import GIT_IDENTITY, development_tag, git, snapshot_working_tree
from tests.update.project import commit_all, copy_at

START_LINE = "make doctor     # checks the tools above"
TEAM_LINE = "make doctor     # first: the tools this service needs"
TEMPLATE_LINE = "make doctor     # checks every tool listed above"
NEXT_RELEASE = "v99.0.0"


def update_step(project: Path) -> str:
    workflow = yaml.safe_load((project / ".github/workflows/template-update.yml").read_text())
    steps = workflow["jobs"]["update"]["steps"]
    return str(next(step for step in steps if step.get("id") == "update")["run"])


def outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's name=value and name<<DELIMITER blocks."""
    found: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            found[name] = "\n".join(iter(lambda: next(lines), delimiter))
        else:
            name, value = line.split("=", 1)
            found[name] = value
    return found


def test_update_step_leaves_a_commit_ready_branch_with_conflicts_listed(tmp_path: Path) -> None:
    template = snapshot_working_tree(tmp_path / "template")
    project = copy_at(template, development_tag(), tmp_path / "project", {})
    readme = project / "README.md"
    assert START_LINE in readme.read_text()
    readme.write_text(readme.read_text().replace(START_LINE, TEAM_LINE))
    commit_all(project, "our own words")

    # The template's next release rewrites the same line.
    source = template / "template" / "README.md.jinja"
    source.write_text(source.read_text().replace(START_LINE, TEMPLATE_LINE))
    git(template, "commit", "--quiet", "--all", "--message", "next release")
    git(template, "tag", NEXT_RELEASE)

    branch = "template-update/99.0.0"
    output_file = tmp_path / "github_output"
    output_file.touch()
    env = {
        **os.environ,
        **GIT_IDENTITY,
        "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        "BRANCH": branch,
        "GITHUB_OUTPUT": str(output_file),
    }
    script = tmp_path / "update-step.sh"
    script.write_text(update_step(project))
    # As a runner runs a `run:` script (shell: bash).
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )

    assert git(project, "branch", "--show-current").strip() == branch
    found = outputs(output_file)
    assert found["changed"] == "true"
    assert found["conflicts"].split("\n") == ["README.md"], found
    staged = git(project, "show", ":README.md")
    assert "<<<<<<< before updating" in staged, staged
    assert TEAM_LINE in staged, staged
    assert TEMPLATE_LINE in staged, staged
    status = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert [line for line in status if line[1] != " "] == [], "all of the update is staged"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == NEXT_RELEASE
