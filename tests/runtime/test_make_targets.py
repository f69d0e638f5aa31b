"""A generated project's own workflow works on a fresh render: install, lint, typecheck,
build, migrate and its own tests (against fresh PostgreSQL and Redis databases)."""

from __future__ import annotations

import pytest

from tests.harness.project import GeneratedProject

# In the order a developer runs them; each later target needs `install` first.
TARGETS = ["install", "lint", "typecheck", "build", "migrate", "test"]


@pytest.mark.parametrize("target", TARGETS)
def test_make_target_succeeds(generated_project: GeneratedProject, target: str) -> None:
    result = generated_project.make(target)
    assert result.ok, result.tail()


def test_migrations_are_idempotent(generated_project: GeneratedProject) -> None:
    # Deploys run `make migrate` on every release: a second run over an up-to-date schema
    # must succeed and change nothing.
    generated_project.require("migrate")
    again = generated_project.run_make("migrate")
    assert again.ok, again.tail()
