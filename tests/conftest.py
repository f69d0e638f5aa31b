"""Fixtures every layer shares: the template snapshot and the rendered answer matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.answers import MATRIX, combination_id
from tests.rendering import render
from tests.report import LINES, record
from tests.template_repo import snapshot_working_tree

# Marker by folder, so a new test file cannot forget its layer.
LAYER_BY_FOLDER = {
    "unit": "unit",
    "render": "render",
    "lint": "lint",
    "interactive": "interactive",
    "contract": "runtime",
    "runtime": "runtime",
    "docker": "docker",
    "deploy": "docker",
    "backups": "runtime",
    "secrets": "runtime",
    "monitoring": "runtime",
    "update": "update",
    "workflows": "workflows",
    "fresh_machine": "fresh",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if marker := LAYER_BY_FOLDER.get(folder):
            item.add_marker(marker)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LINES:
        terminalreporter.section("shipshape figures")
        for line in LINES:
            terminalreporter.write_line(line)


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
