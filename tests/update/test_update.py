"""`copier update` from every release to the working tree keeps every user edit.

For each release and several answer sets: copy at the release, make the edits a team would
make, commit, update to the working tree's version, and check what came through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_update

from tests.lint.linters import lint_project
from tests.render.test_answers_and_secrets import env_values
from tests.render.test_rendered_files import LEFTOVER_JINJA, parse_problem
from tests.rendering import project_files, render
from tests.report import record
from tests.template_repo import development_tag, git, releases, snapshot_working_tree
from tests.update.user_edits import applicable

ANSWER_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "fastapi-staging-sftp": {
        "api_stack": "fastapi",
        "environments": ["staging", "production"],
        "backup_target": "sftp",
        "use_auth": False,
    },
    "nestjs-lean": {
        "environments": ["staging", "production"],
        "use_backups": False,
        "use_monitoring": False,
        "use_iac": False,
        "use_cache": False,
    },
}
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


@pytest.fixture(scope="session")
def template_with_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_working_tree(tmp_path_factory.mktemp("history"), with_releases=True)


def copy_at(template: Path, tag: str, destination: Path, answers: dict[str, Any]) -> Path:
    render(template, destination, answers, vcs_ref=tag)
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit_all(destination, f"generated from {tag}")
    return destination


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--allow-empty", "--message", message)


def update(project: Path, **data: Any) -> None:
    run_update(
        str(project),
        data=data,
        defaults=True,
        overwrite=True,
        unsafe=True,
        vcs_ref="HEAD",
        quiet=True,
        conflict="inline",
    )


def conflicted_files(project: Path) -> list[str]:
    found = []
    for relative in project_files(project):
        if relative.suffix == ".rej":
            found.append(str(relative))
            continue
        text = (project / relative).read_text(errors="replace")
        if any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines()):
            found.append(str(relative))
    return found


def git_status(project: Path) -> str:
    return git(project, "status", "--porcelain").strip()


@pytest.mark.parametrize("answer_set", sorted(ANSWER_SETS))
@pytest.mark.parametrize("release", [tag for tag, _ in releases()])
def test_update_keeps_user_edits(
    template_with_history: Path, tmp_path: Path, release: str, answer_set: str
) -> None:
    answers = ANSWER_SETS[answer_set]
    project = copy_at(template_with_history, release, tmp_path / "project", answers)
    edits = applicable(project)
    assert edits, "no user edit applies to this project"
    for edit in edits:
        edit.apply(project)
    commit_all(project, "team edits")
    secrets_before = env_values(project / ".env")

    update(project)

    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["_commit"] == development_tag()
    touched = {edit.path for edit in edits}
    stray = [path for path in conflicted_files(project) if path not in touched]
    assert not stray, f"conflicts in files the team never touched: {stray}"
    lost = [edit.name for edit in edits if not edit.survived(project)]
    survived = len(edits) - len(lost)
    record(
        f"update {release} -> {development_tag()} [{answer_set}]: "
        f"{survived} of {len(edits)} user edits survived"
    )
    assert not lost, f"user edits lost in the update: {lost}"
    secrets_after = env_values(project / ".env")
    assert {name: secrets_after.get(name) for name in secrets_before} == secrets_before, (
        "the update changed a value in the git-ignored .env"
    )
    for relative in project_files(project):
        path = project / relative
        assert not LEFTOVER_JINJA.search(path.read_text(errors="replace")), relative
        assert not parse_problem(path), f"{relative}: {parse_problem(path)}"
    problems = lint_project(project)
    assert not problems, "the updated project fails its linters:\n" + "\n\n".join(problems)

    commit_all(project, "update")
    update(project)
    assert git_status(project) == "", "an update with nothing new changed the project"


@pytest.mark.parametrize("release", [tag for tag, _ in releases()])
def test_changing_an_answer_removes_the_files_it_owned(
    template_with_history: Path, tmp_path: Path, release: str
) -> None:
    answers = {"environments": ["staging", "production"]}
    project = copy_at(template_with_history, release, tmp_path / "project", answers)
    assert (project / "env/staging.env.example").exists()

    update(project, environments=["production"])

    assert not (project / "env/staging.env.example").exists()
    assert (project / "env/production.env.example").exists()
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["environments"] == ["production"]


def test_update_refuses_a_dirty_project(template_with_history: Path, tmp_path: Path) -> None:
    # Nothing may be lost: copier must not merge into uncommitted work.
    release = releases()[-1][0]
    project = copy_at(template_with_history, release, tmp_path / "project", {})
    (project / "README.md").write_text("uncommitted\n")
    with pytest.raises(Exception, match="dirty"):
        update(project)
    assert (project / "README.md").read_text() == "uncommitted\n"
