"""Every compose file combination is valid for Compose v2 (the schema is a file linter)."""

from __future__ import annotations

from tests.conftest import RenderedProject
from tests.lint.compose_stacks import compose_stacks
from tests.lint.linters import compose_config_problem
from tests.report import record


def test_docker_compose_config_accepts_every_combination(
    rendered_matrix: list[RenderedProject],
) -> None:
    checked = 0
    failures = []
    for project in rendered_matrix:
        for stack in compose_stacks(project.path):
            checked += 1
            if output := compose_config_problem(project.path, stack):
                failures.append(f"{project.id} [{stack.name}]\n{output}")
    record(f"lint: docker compose config on {checked} compose file combinations")
    assert not failures, "\n\n".join(failures)
