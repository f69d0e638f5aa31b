"""The template with its release history, shared by every update test of the session, and the
linters' memory of the updated projects that passed them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.report import record
from tests.template_repo import snapshot_working_tree
from tests.update.lint_once import LintOnce


@pytest.fixture(scope="session")
def template_with_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_working_tree(tmp_path_factory.mktemp("history"), with_releases=True)


@pytest.fixture(scope="session")
def lint_once() -> Iterator[LintOnce]:
    linters = LintOnce()
    yield linters
    record(
        f"update: file linters over {linters.linted} updated projects, "
        f"{linters.reused} more identical to one of them"
    )
