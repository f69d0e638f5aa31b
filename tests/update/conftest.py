"""The template with its release history, shared by every update test of the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template_repo import snapshot_working_tree


@pytest.fixture(scope="session")
def template_with_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_working_tree(tmp_path_factory.mktemp("history"), with_releases=True)
