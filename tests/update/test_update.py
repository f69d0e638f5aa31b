"""`copier update` from every release to the working tree keeps every user edit.

From the latest release with every answer set, and from each older release with one of
them (taken in turn, so every answer set also starts from an older release once the history
is long enough): copy at the release, make the edits a team would make, commit, update to
the working tree's version, and check what came through. The run prints, per starting
version, how many edits were checked and how many survived.

Why not every release with every answer set: each case costs about 20 s (a copy, two
updates and the linters), and what an older release adds over the latest is its
migrations, which act on the folders every answer set has; the answer sets differ in which
files exist, and that is proven from the latest release.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.render.test_answers_and_secrets import env_values
from tests.render.test_rendered_files import LEFTOVER_JINJA, parse_problem
from tests.rendering import project_files
from tests.report import record
from tests.template_repo import development_tag, releases
from tests.update.lint_once import LintOnce
from tests.update.project import commit_all, conflicted_files, copy_at, git_status, update
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
# Per starting version: answer sets updated, edits checked, edits that survived.
TALLY: dict[str, list[int]] = {}


@pytest.fixture(scope="module", autouse=True)
def report_edits_per_release() -> Iterator[None]:
    yield
    for release, (sets, checked, survived) in sorted(TALLY.items()):
        record(
            f"update {release} -> {development_tag()}: {survived} of {checked} user edits "
            f"survived ({sets} answer set{'' if sets == 1 else 's'})"
        )


def update_cases() -> list[tuple[str, str]]:
    """(release, answer set): the latest release with every set, older ones with one each."""
    tags = [tag for tag, _ in releases()]
    names = sorted(ANSWER_SETS)
    older = [(tag, names[index % len(names)]) for index, tag in enumerate(tags[:-1])]
    return older + [(tags[-1], name) for name in names]


@pytest.mark.parametrize(("release", "answer_set"), update_cases())
def test_update_keeps_user_edits(
    template_with_history: Path,
    lint_once: LintOnce,
    tmp_path: Path,
    release: str,
    answer_set: str,
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
    touched = set().union(*(edit.touches for edit in edits))
    stray = [path for path in conflicted_files(project) if path not in touched]
    assert not stray, f"conflicts in files the team never touched: {stray}"
    lost = [edit.name for edit in edits if not edit.survived(project)]
    tally = TALLY.setdefault(release, [0, 0, 0])
    tally[0] += 1
    tally[1] += len(edits)
    tally[2] += len(edits) - len(lost)
    assert not lost, f"user edits lost in the update: {lost}"
    moved = [edit for edit in edits if edit.lands_at and edit.lands_at != edit.path]
    left = [edit.path for edit in moved if (project / edit.path).exists()]
    assert not left, f"still at the old place after the migration: {left}"
    secrets_after = env_values(project / ".env")
    assert {name: secrets_after.get(name) for name in secrets_before} == secrets_before, (
        "the update changed a value in the git-ignored .env"
    )
    for relative in project_files(project):
        path = project / relative
        assert not LEFTOVER_JINJA.search(path.read_text(errors="replace")), relative
        assert not parse_problem(path), f"{relative}: {parse_problem(path)}"
    problems = lint_once.problems(project)
    assert not problems, "the updated project fails its linters:\n" + "\n\n".join(problems)

    commit_all(project, "update")
    # A migration runs once: a file the team puts in a moved folder's old place afterwards
    # stays there through the next update.
    late = [project / edit.needs / "late.yml" for edit in moved if edit.needs]
    for path in late:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("groups: []\n")
    commit_all(project, "a file at the old place")
    update(project)
    assert git_status(project) == "", "an update with nothing new changed the project"
    assert all(path.exists() for path in late), "a migration ran a second time"


def test_update_refuses_a_dirty_project(template_with_history: Path, tmp_path: Path) -> None:
    # Nothing may be lost: copier must not merge into uncommitted work.
    release = releases()[-1][0]
    project = copy_at(template_with_history, release, tmp_path / "project", {})
    (project / "README.md").write_text("uncommitted\n")
    with pytest.raises(Exception, match="dirty"):
        update(project)
    assert (project / "README.md").read_text() == "uncommitted\n"
