"""Fixtures of the contract suite: a running API per runtime case, clients, accounts.

Every test gets its own loopback source address (see tests/harness/ports.py), so the API's
per-IP rate limits never carry over from one test to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.harness import http
from tests.harness.accounts import Account, signed_up
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.fixtures import generated_project, runtime_case
from tests.harness.project import GeneratedProject

__all__ = ["generated_project", "runtime_case"]  # fixtures used by this folder's tests


@pytest.fixture(scope="session")
def running_api(
    runtime_case: RuntimeCase,
    generated_project: GeneratedProject,
) -> Iterator[ApiProcess]:
    """The built API of this case, started once; migrations applied to its own database."""
    project = generated_project
    api = ApiProcess.built_and_migrated(project, database="api")
    api.start()
    project.say(
        f"[runtime] {runtime_case.id}: API ready {api.seconds_to_ready:.1f}s after start, "
        f"at {api.base_url}"
    )
    yield api
    api.stop()


@pytest.fixture
def api(running_api: ApiProcess) -> ApiProcess:
    """The API under test, running and with its Redis up (an earlier test may have stopped
    either on purpose)."""
    running_api.ensure_running()
    return running_api


@pytest.fixture
def new_client(api: ApiProcess) -> Iterator[Callable[..., httpx.Client]]:
    """Make clients, each from a fresh source address unless one is given."""
    made: list[httpx.Client] = []

    def make(address: str | None = None, **kwargs: object) -> httpx.Client:
        made.append(http.client(api.base_url, address, **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def client(new_client: Callable[..., httpx.Client]) -> httpx.Client:
    return new_client()


@pytest.fixture
def uses_auth(runtime_case: RuntimeCase) -> None:
    """Skip (with the reason) where the answer set has no auth; test_auth_absent.py covers it."""
    if not runtime_case.use_auth:
        pytest.skip(f"{runtime_case.id}: use_auth=false, no /auth routes (404 checked instead)")


@pytest.fixture
def account(uses_auth: None, new_client: Callable[..., httpx.Client]) -> Account:
    """A registered, logged-in user; set up from its own address, not the test's."""
    return signed_up(new_client(), "owner")


@pytest.fixture
def auth_headers(
    runtime_case: RuntimeCase, new_client: Callable[..., httpx.Client]
) -> dict[str, str]:
    """Headers that make notes requests allowed: a Bearer token with auth, none without."""
    if not runtime_case.use_auth:
        return {}
    return signed_up(new_client(), "notes").headers
