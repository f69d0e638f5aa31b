"""Every compose file combination is valid for Compose v2 and the compose specification."""

from __future__ import annotations

from tests.conftest import RenderedProject
from tests.lint.collect import distinct_files, is_compose_file
from tests.lint.compose_stacks import compose_stacks
from tests.lint.tools import run, tool
from tests.report import record


def test_compose_files_match_the_compose_spec(rendered_matrix: list[RenderedProject]) -> None:
    files = distinct_files(rendered_matrix, is_compose_file)
    assert files, "no compose file rendered"
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec"]
    failures = [
        f"in {entry.labels[0]}\n{output}"
        for entry in files
        if (output := run([*command, str(entry.path)]))
    ]
    assert not failures, "\n\n".join(failures)


def test_docker_compose_config_accepts_every_combination(
    rendered_matrix: list[RenderedProject],
) -> None:
    compose = tool("docker-compose")
    checked = 0
    failures = []
    for project in rendered_matrix:
        for stack in compose_stacks(project.path):
            args = [compose, "--env-file", stack.env_file]
            for file in stack.files:
                args += ["--file", file]
            checked += 1
            if output := run([*args, "config", "--quiet"], cwd=project.path):
                failures.append(f"{project.id} [{stack.name}]\n{output}")
    record(f"lint: docker compose config on {checked} compose file combinations")
    assert not failures, "\n\n".join(failures)
