"""Real linters over every rendered combination (each distinct file once)."""

from __future__ import annotations

import pytest

from tests.conftest import RenderedProject
from tests.lint.collect import distinct_files, is_yaml
from tests.lint.linters import FILE_LINTERS, FileLinter, yamllint_problem
from tests.lint.tools import run
from tests.report import record


@pytest.mark.parametrize("linter", FILE_LINTERS, ids=lambda linter: linter.name)
def test_file_linter(rendered_matrix: list[RenderedProject], linter: FileLinter) -> None:
    files = distinct_files(rendered_matrix, linter.wanted)
    if not files:
        # A linter with nothing to lint must not pass silently.
        pytest.skip(f"no {linter.kind} is rendered by any combination yet")
    rendered = sum(len(entry.labels) for entry in files)
    record(f"lint: {linter.name} on {len(files)} distinct {linter.kind}(s) of {rendered} rendered")
    # Every linter here takes many files at once: one run over all of them costs one start-up
    # (check-jsonschema spends about a second loading its schema). Only when it finds
    # something is each file run alone, to name the answer sets that carry the failing one.
    together = run(linter.command(*(entry.path for entry in files)))
    if not together:
        return
    failures = []
    for entry in files:
        if output := run(linter.command(entry.path)):
            where = ", ".join(entry.labels[:3])
            if len(entry.labels) > 3:
                where += f" and {len(entry.labels) - 3} more"
            failures.append(f"in {where}\n{output}")
    assert failures, f"the run over all files failed, yet each file passes alone:\n{together}"
    assert not failures, "\n\n".join(failures)


def test_yamllint_with_each_projects_own_config(rendered_matrix: list[RenderedProject]) -> None:
    assert distinct_files(rendered_matrix, is_yaml)
    record(f"lint: yamllint over {len(rendered_matrix)} projects")
    failures = [output for project in rendered_matrix if (output := yamllint_problem(project.path))]
    assert not failures, "\n\n".join(failures)
