"""APP_ENV=production: the same build hides Swagger UI (404) and still serves the contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_problem, assert_status, client


@pytest.fixture
def production_api(running_api: ApiProcess) -> Iterator[ApiProcess]:
    instance = ApiProcess.for_project(running_api.project, name="production", APP_ENV="production")
    instance.start()
    yield instance
    instance.stop()


def test_docs_are_not_served_in_production(production_api: ApiProcess) -> None:
    with client(production_api.base_url) as http:
        assert_problem(http.get("docs", follow_redirects=True), 404)
        assert assert_status(http.get("health"), 200) == {"status": "ok"}
