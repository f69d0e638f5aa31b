"""Login backoff per e-mail: LOGIN_BACKOFF_AFTER_FAILURES failed logins in a row, from any
addresses, lock the e-mail (429 problem with Retry-After), registered or not, whatever the
password; each further failure doubles the lock; a successful login starts the count afresh.

Every request comes from an address of its own, so the per-client limits never answer here:
only the e-mail's count can.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.harness.accounts import PASSWORD, Account, register
from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_problem, assert_status, show, unique_email

Login = Callable[[str, str], httpx.Response]


@pytest.fixture
def login(uses_auth: None, new_client: Callable[..., httpx.Client]) -> Login:
    def from_a_new_address(email: str, password: str) -> httpx.Response:
        return new_client().post("auth/login", json={"email": email, "password": password})

    return from_a_new_address


@pytest.fixture
def new_account(uses_auth: None, new_client: Callable[..., httpx.Client]) -> Callable[[], Account]:
    return lambda: register(new_client(), "backoff")


def fail(login: Login, email: str, times: int) -> None:
    for _ in range(times):
        assert_status(login(email, "wrong " + PASSWORD), 401)


def assert_locked(response: httpx.Response, longest: int) -> int:
    """A 429 problem with Retry-After; returns the seconds to wait."""
    assert_problem(response, 429, instance="/api/v1/auth/login")
    retry_after = response.headers.get("retry-after", "")
    assert retry_after.isdigit(), f"Retry-After must be whole seconds{show(response)}"
    assert 1 <= int(retry_after) <= longest, show(response)
    return int(retry_after)


def test_failures_from_many_addresses_lock_the_account(
    api: ApiProcess, login: Login, new_account: Callable[[], Account]
) -> None:
    after = int(api.settings["LOGIN_BACKOFF_AFTER_FAILURES"])
    account = new_account()
    fail(login, account.email, after)
    # The right password now gets the same 429: while locked, it is not checked.
    assert_locked(login(account.email, PASSWORD), int(api.settings["LOGIN_BACKOFF_SECONDS"]))
    other = new_account()
    assert_status(login(other.email, PASSWORD), 200)


def test_an_unknown_e_mail_gets_the_same_answer(
    api: ApiProcess, login: Login, new_account: Callable[[], Account]
) -> None:
    after = int(api.settings["LOGIN_BACKOFF_AFTER_FAILURES"])
    first_lock = int(api.settings["LOGIN_BACKOFF_SECONDS"])
    answers = {}
    for kind, email in (("registered", new_account().email), ("unknown", unique_email("ghost"))):
        fail(login, email, after)
        answers[kind] = login(email, "wrong " + PASSWORD)
        assert_locked(answers[kind], first_lock)
    registered, unknown = answers["registered"], answers["unknown"]
    # Header names and their order, content type, and the body but for the request's id.
    varying = {"x-request-id", "date"}
    assert [name for name in registered.headers if name not in varying] == [
        name for name in unknown.headers if name not in varying
    ], f"{show(registered)}\n{show(unknown)}"
    assert registered.headers["content-type"] == unknown.headers["content-type"]
    bodies = [{**answer.json(), "requestId": None} for answer in (registered, unknown)]
    assert bodies[0] == bodies[1], f"{show(registered)}\n{show(unknown)}"


def test_a_successful_login_starts_the_count_afresh(
    api: ApiProcess, login: Login, new_account: Callable[[], Account]
) -> None:
    after = int(api.settings["LOGIN_BACKOFF_AFTER_FAILURES"])
    account = new_account()
    for _ in range(2):
        fail(login, account.email, after - 1)
        assert_status(login(account.email, PASSWORD), 200)


@pytest.fixture
def short_locks(running_api: ApiProcess, uses_auth: None) -> Iterator[ApiProcess]:
    """An instance of its own whose locks last seconds, not the production-like 30."""
    quick = ApiProcess.for_project(
        running_api.project,
        name="short-locks",
        LOGIN_BACKOFF_AFTER_FAILURES="2",
        LOGIN_BACKOFF_SECONDS="2",
        LOGIN_BACKOFF_MAX_SECONDS="4",
    )
    quick.start()
    yield quick
    quick.stop()


def test_each_further_failure_doubles_the_lock_up_to_the_longest(
    short_locks: ApiProcess, new_client: Callable[..., httpx.Client]
) -> None:
    def login(email: str, password: str) -> httpx.Response:
        client = new_client()
        client.base_url = httpx.URL(short_locks.base_url + "/")
        return client.post("auth/login", json={"email": email, "password": password})

    email = unique_email("doubling")
    fail(login, email, 2)
    waits = []
    for _ in range(3):
        waits.append(assert_locked(login(email, PASSWORD), 4))
        time.sleep(waits[-1] + 0.2)
        fail(login, email, 1)  # checked again, and wrong again
    print(f"\nshipshape figures: Retry-After of successive locks: {waits}")
    assert waits == [2, 4, 4], "the lock should start at 2 s, double, and stop at 4 s"
