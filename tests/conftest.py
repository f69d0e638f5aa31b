"""Fixtures every layer shares: the template snapshot and the rendered answer matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.answers import MATRIX, combination_id
from tests.layers import FOLDERS, SCHEDULE
from tests.rendering import render
from tests.report import record
from tests.template_repo import snapshot_working_tree

# The root conftest's plugins: the controller of a parallel run loads no conftest below tests/.
pytest_plugins = [
    "tests.report",
    "tests.schedule",
    "tests.timings",
    "tests.contract.summary",
    "tests.fresh_machine.background",
]


def _folder(item: pytest.Item) -> str:
    return Path(str(item.fspath)).parent.name


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if folder := FOLDERS.get(_folder(item)):
            item.add_marker(folder.layer)
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
