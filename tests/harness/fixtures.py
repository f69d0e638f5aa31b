"""Fixtures both runtime folders share; each conftest imports them (a conftest only reaches
its own folder). The expensive state behind them lives once per run in RuntimeSession."""

from __future__ import annotations

import pytest

from tests.harness.answer_sets import RUNTIME_CASES, RuntimeCase
from tests.harness.project import GeneratedProject
from tests.harness.session import runtime_session


@pytest.fixture(scope="session", params=RUNTIME_CASES, ids=lambda case: case.id)
def runtime_case(request: pytest.FixtureRequest) -> RuntimeCase:
    case: RuntimeCase = request.param
    return case


@pytest.fixture(scope="session")
def generated_project(
    runtime_case: RuntimeCase,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> GeneratedProject:
    """The rendered project of this case (rendered on first use, shared by both folders)."""
    return runtime_session(request.config, tmp_path_factory).project(runtime_case)


# apps/web is the same files for both stacks (tests/render checks it): what only the web's
# error reports need (a browser, the source map upload) runs on one stack's project, the
# first with the front end and Sentry.
SENTRY_WEB_CASE = next(
    case for case in RUNTIME_CASES if case.has_web and case.answers["use_sentry"]
)


@pytest.fixture(scope="session", params=[SENTRY_WEB_CASE], ids=lambda case: case.id)
def sentry_web_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    """That project, built (`make build`: the web's too)."""
    project = runtime_session(request.config, tmp_path_factory).project(request.param)
    project.require("build")
    return project
