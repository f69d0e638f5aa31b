"""A generated project's own workflow works on a fresh render: install, lint, typecheck,
build, migrate and its own tests (against fresh PostgreSQL and Redis databases).

Targets the workflows layer runs for an answer set under act are left out here
(RUN_BY_THE_WORKFLOWS_LAYER in tests/harness/answer_sets.py)."""

from __future__ import annotations

import pytest

from tests.harness.answer_sets import RUNTIME_CASES
from tests.harness.project import GeneratedProject

# In the order a developer runs them; each later target needs `install` first.
TARGETS = ["install", "lint", "typecheck", "build", "migrate", "test"]
CASES_AND_TARGETS = [
    pytest.param(case, target, id=f"{case.id}-{target}")
    for case in RUNTIME_CASES
    for target in TARGETS
    if case.runs_here(target)
]


@pytest.mark.parametrize(("runtime_case", "target"), CASES_AND_TARGETS, indirect=["runtime_case"])
def test_make_target_succeeds(generated_project: GeneratedProject, target: str) -> None:
    result = generated_project.make(target)
    assert result.ok, result.tail()


def test_migrations_are_idempotent(generated_project: GeneratedProject) -> None:
    # Deploys run `make migrate` on every release: a second run over an up-to-date schema
    # must succeed and change nothing.
    generated_project.require("migrate")
    again = generated_project.run_make("migrate")
    assert again.ok, again.tail()
