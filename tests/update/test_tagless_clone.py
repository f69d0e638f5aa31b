"""A project copied from a clone of the template that fetched no tags still gets its migrations.

Such a clone (`git clone --no-tags`, a shallow CI checkout) gives copier no release version:
`git describe --tags --always` yields a bare commit, which `.copier-answers.yml` records as
`_commit`, and copier's version for it reads `0.0.0.postN.dev0+HASH`. Copier compares a
migration's `version:` against those and skips it without a word, so the 0.3.0 move of
Prometheus's files would delete the team's edited `prometheus.yml` and its own rule files
would stay where Prometheus no longer loads them. shipshape's migrations name no copier
version and decide from the template itself whether an update crosses them (copier.yml).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.paths import COPIER_YML
from tests.template_repo import git, releases
from tests.update.project import commit_all, conflicted_files, copy_at, git_status, update
from tests.update.user_edits import PROMETHEUS_AFTER, RULES_AFTER, applicable

# The newest release from before Prometheus's files moved (copier.yml's 0.3.0 migration).
BEFORE_THE_MOVE = "v0.2.0"


@pytest.fixture(scope="module")
def tagless_clone(template_with_history: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("tagless") / "shipshape"
    git(clone.parent, "clone", "--quiet", "--no-tags", str(template_with_history), str(clone))
    assert git(clone, "tag", "--list") == "", "the clone must hold no tag"
    return clone


def answers_commit(project: Path) -> str:
    return str(yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"])


def test_migrations_run_for_a_copy_from_a_clone_without_tags(
    template_with_history: Path, tagless_clone: Path, tmp_path: Path
) -> None:
    assert BEFORE_THE_MOVE in dict(releases())
    release_commit = git(template_with_history, "rev-list", "-n1", BEFORE_THE_MOVE).strip()
    project = copy_at(tagless_clone, release_commit, tmp_path / "project", {})
    # What copier records without tags: the abbreviated commit, no version anywhere.
    recorded = answers_commit(project)
    assert re.fullmatch(r"[0-9a-f]{7,40}", recorded), recorded
    assert release_commit.startswith(recorded)

    edits = [edit for edit in applicable(project) if edit.lands_at]
    assert {edit.lands_at for edit in edits} == {PROMETHEUS_AFTER, f"{RULES_AFTER}/team.yml"}
    for edit in edits:
        edit.apply(project)
    commit_all(project, "team edits to Prometheus's files")

    update(project)

    head = git(tagless_clone, "rev-parse", "HEAD").strip()
    assert head.startswith(answers_commit(project)), "not updated to the clone's HEAD"
    lost = [edit.name for edit in edits if not edit.survived(project)]
    assert not lost, f"edits lost: the migration did not run without tags: {lost}"
    left = [edit.path for edit in edits if (project / edit.path).exists()]
    assert not left, f"still at the old place after the update: {left}"
    touched = set().union(*(edit.touches for edit in edits))
    assert not [path for path in conflicted_files(project) if path not in touched]

    # Once only, tags or not: a rule file put at the old place after the move stays there.
    commit_all(project, "update")
    late = project / "infra/monitoring/rules/late.yml"
    late.parent.mkdir(parents=True)
    late.write_text("groups: []\n")
    commit_all(project, "a file at the old place")
    update(project)
    assert git_status(project) == "", "an update with nothing new changed the project"
    assert late.exists(), "the migration ran a second time"


def test_no_migration_depends_on_copier_versions() -> None:
    # A `version:` would bring back the silent skip for projects copied without tags.
    config = yaml.safe_load(COPIER_YML.read_text())
    gated = [entry for entry in config.get("_migrations", []) if "version" in entry]
    assert not gated, (
        "a migration in copier.yml has a copier `version:`, which copier skips for a project "
        "copied from a clone without tags: let its script decide from the template at "
        f"_version_from whether the update crosses it (as migrations/move_paths.py does): {gated}"
    )
