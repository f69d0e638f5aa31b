"""Fixtures every layer shares: the template snapshot and the rendered answer matrix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.answers import MATRIX, combination_id
from tests.rendering import render
from tests.report import record
from tests.template_repo import snapshot_working_tree

# The root conftest's plugins: the controller of a parallel run loads no conftest below tests/.
pytest_plugins = ["tests.report", "tests.contract.summary", "tests.fresh_machine.background"]


@dataclass(frozen=True)
class Folder:
    """A test folder's layer (its marker) and, where its tests share something costly or
    fixed, the xdist group that keeps them in one worker (see docs/testing.md)."""

    layer: str
    group: str | None = None


# By folder, so a new test file cannot forget its layer. In the order a parallel run hands the
# groups out: the longest first, so that what is left at the end is short; then the folders
# with nothing to share, test by test, filling gaps; the fresh-machine tests, which only wait
# for their runs in the background, last.
FOLDERS = {
    # The generated projects built once per runtime answer set (tests/harness/fixtures.py).
    "contract": Folder("runtime", "builds"),
    "runtime": Folder("runtime", "builds"),
    "monitoring": Folder("runtime", "builds"),
    # One Docker engine with fixed container, image and network names: one server at a time.
    "docker": Folder("docker", "engine"),
    "deploy": Folder("docker", "engine"),
    "update": Folder("update", "update"),
    "backups": Folder("runtime", "backups"),
    # The rendered answer matrix (conftest.rendered_matrix).
    "render": Folder("render", "matrix"),
    "lint": Folder("lint", "matrix"),
    "workflows": Folder("workflows", "workflows"),
    "secrets": Folder("runtime"),
    "interactive": Folder("interactive"),
    "unit": Folder("unit"),
    "fresh_machine": Folder("fresh"),
}
SCHEDULE = list(FOLDERS)


def _folder(item: pytest.Item) -> str:
    return Path(str(item.fspath)).parent.name


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if folder := FOLDERS.get(_folder(item)):
            item.add_marker(folder.layer)
            if folder.group:
                item.add_marker(pytest.mark.xdist_group(folder.group))
    # Stable: a folder's tests keep their order.
    items.sort(key=lambda item: SCHEDULE.index(f) if (f := _folder(item)) in FOLDERS else 0)


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_working_tree(tmp_path_factory.mktemp("template"))


class RenderedProject:
    def __init__(self, answers: dict[str, Any], path: Path) -> None:
        self.answers = answers
        self.path = path
        self.id = combination_id(answers)

    def __repr__(self) -> str:
        return f"<project {self.id}>"


@pytest.fixture(scope="session")
def rendered_matrix(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[RenderedProject]:
    """Every answer set of the matrix, rendered once per session."""
    root = tmp_path_factory.mktemp("matrix")
    projects = [
        RenderedProject(answers, render(template_repo, root / combination_id(answers), answers))
        for answers in MATRIX
    ]
    record(f"render: {len(projects)} answer combinations rendered from the matrix")
    return projects
