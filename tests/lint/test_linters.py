"""Real linters over every rendered combination (each distinct file once)."""

from __future__ import annotations

import pytest

from tests.conftest import RenderedProject
from tests.lint.collect import (
    DistinctFile,
    distinct_files,
    is_dependabot_config,
    is_dockerfile,
    is_shell_script,
    is_workflow,
    is_yaml,
)
from tests.lint.tools import run, tool
from tests.report import record


def lint_each(files: list[DistinctFile], command: list[str]) -> list[str]:
    failures = []
    for entry in files:
        if output := run([*command, str(entry.path)]):
            where = ", ".join(entry.labels[:3])
            if len(entry.labels) > 3:
                where += f" and {len(entry.labels) - 3} more"
            failures.append(f"in {where}\n{output}")
    return failures


def require(files: list[DistinctFile], kind: str, linter: str) -> None:
    """A linter with nothing to lint must not pass silently."""
    if not files:
        pytest.skip(f"no {kind} is rendered by any combination yet")
    rendered = sum(len(entry.labels) for entry in files)
    record(f"lint: {linter} on {len(files)} distinct {kind}(s) out of {rendered} rendered")


def test_shellcheck(rendered_matrix: list[RenderedProject]) -> None:
    files = distinct_files(rendered_matrix, is_shell_script)
    require(files, "shell script", "shellcheck")
    failures = lint_each(files, [tool("shellcheck"), "--severity=style", "--external-sources"])
    assert not failures, "\n\n".join(failures)


def test_yamllint_with_each_projects_own_config(rendered_matrix: list[RenderedProject]) -> None:
    # The project's `make lint` runs yamllint with its own .yamllint.yaml: do the same.
    assert distinct_files(rendered_matrix, is_yaml)
    record(f"lint: yamllint over {len(rendered_matrix)} projects")
    failures = [
        output
        for project in rendered_matrix
        if (output := run([tool("yamllint"), "--strict", "."], cwd=project.path))
    ]
    assert not failures, "\n\n".join(failures)


def test_actionlint(rendered_matrix: list[RenderedProject]) -> None:
    files = distinct_files(rendered_matrix, is_workflow)
    require(files, "workflow", "actionlint")
    # shellcheck runs inside actionlint on every `run:` script.
    command = [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color"]
    failures = lint_each(files, command)
    assert not failures, "\n\n".join(failures)


def test_workflows_match_the_github_schema(rendered_matrix: list[RenderedProject]) -> None:
    files = distinct_files(rendered_matrix, is_workflow)
    require(files, "workflow", "check-jsonschema")
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    assert not (failures := lint_each(files, command)), "\n\n".join(failures)


def test_dependabot_config_matches_its_schema(rendered_matrix: list[RenderedProject]) -> None:
    files = distinct_files(rendered_matrix, is_dependabot_config)
    require(files, "dependabot config", "check-jsonschema")
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot"]
    assert not (failures := lint_each(files, command)), "\n\n".join(failures)


def test_hadolint(rendered_matrix: list[RenderedProject]) -> None:
    files = distinct_files(rendered_matrix, is_dockerfile)
    require(files, "Dockerfile", "hadolint")
    assert not (failures := lint_each(files, [tool("hadolint")])), "\n\n".join(failures)
