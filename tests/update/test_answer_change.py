"""Changing answers during an update removes the files those answers owned.

From every release, one update drops the staging environment and turns monitoring off. The
project must end with exactly the files a fresh copy with the new answers has, and pass its
linters: nothing the old answers produced may linger, nothing the new ones need may be gone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.template_repo import development_tag, releases
from tests.update.lint_once import LintOnce
from tests.update.project import commit_all, copy_at, tracked_files, update

BEFORE: dict[str, Any] = {"environments": ["staging", "production"], "use_monitoring": True}
CHANGE: dict[str, Any] = {"environments": ["production"], "use_monitoring": False}
# Owned by the answers that change, in the releases that render them.
OWNED = ("env/staging.env.example", "compose.monitoring.yaml", "infra/monitoring")


@pytest.fixture(scope="module")
def fresh_files(template_with_history: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The files of a fresh copy of the working tree with the changed answers."""
    destination = tmp_path_factory.mktemp("fresh") / "project"
    fresh = copy_at(template_with_history, development_tag(), destination, {**BEFORE, **CHANGE})
    return tracked_files(fresh)


@pytest.mark.parametrize("release", [tag for tag, _ in releases()])
def test_changing_answers_removes_the_files_they_owned(
    template_with_history: Path,
    lint_once: LintOnce,
    tmp_path: Path,
    release: str,
    fresh_files: set[str],
) -> None:
    project = copy_at(template_with_history, release, tmp_path / "project", BEFORE)
    owned_before = [path for path in OWNED if (project / path).exists()]
    assert "env/staging.env.example" in owned_before

    update(project, **CHANGE)
    commit_all(project, "update with changed answers")

    assert not [path for path in owned_before if (project / path).exists()]
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {key: recorded[key] for key in CHANGE} == CHANGE
    files = tracked_files(project)
    assert not files - fresh_files, f"left behind: {sorted(files - fresh_files)}"
    assert not fresh_files - files, f"missing: {sorted(fresh_files - files)}"
    problems = lint_once.problems(project)
    assert not problems, "the updated project fails its linters:\n" + "\n\n".join(problems)
