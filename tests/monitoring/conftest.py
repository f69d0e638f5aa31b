"""Fixtures of the monitoring layer: rendered projects with monitoring on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.monitoring.projects import MONITORING_ANSWER_SETS
from tests.rendering import render


@pytest.fixture(scope="session")
def monitored_projects(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Each monitoring answer set, rendered once: name -> project path."""
    root = tmp_path_factory.mktemp("monitored")
    return {
        name: render(template_repo, root / name, answers)
        for name, answers in MONITORING_ANSWER_SETS.items()
    }


@pytest.fixture(params=sorted(MONITORING_ANSWER_SETS))
def monitored_project(request: pytest.FixtureRequest, monitored_projects: dict[str, Path]) -> Path:
    """One rendered project per answer set (the test runs for each)."""
    return monitored_projects[request.param]
