"""Per-IP rate limits: RATE_LIMIT_MAX per window, AUTH_RATE_LIMIT_MAX on /auth/*, 429 with
Retry-After. Each test sends from its own loopback address, so it has a fresh bucket and
leaves every other test's bucket alone."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_problem, show


def exhaust(
    client: httpx.Client, limit: int, request: Callable[[int], httpx.Response]
) -> httpx.Response:
    """Send `limit` requests that must pass, then one more; return that last response."""
    for attempt in range(limit):
        response = request(attempt)
        assert response.status_code != 429, (
            f"limited after {attempt} of {limit} requests{show(response)}"
        )
    return request(limit)


def assert_limited(api: ApiProcess, response: httpx.Response, instance: str) -> None:
    assert_problem(response, 429, instance=instance)
    retry_after = response.headers.get("retry-after", "")
    assert retry_after.isdigit(), f"Retry-After must be whole seconds{show(response)}"
    assert 1 <= int(retry_after) <= int(api.settings["RATE_LIMIT_TTL_SECONDS"]), show(response)


def test_requests_over_the_limit_get_429(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    limit = int(api.settings["RATE_LIMIT_MAX"])
    last = exhaust(client, limit, lambda _: client.get("notes?pageSize=1", headers=auth_headers))
    assert_limited(api, last, "/api/v1/notes")


def test_another_address_is_not_limited(
    api: ApiProcess, new_client: Callable[..., httpx.Client], auth_headers: dict[str, str]
) -> None:
    noisy, quiet = new_client(), new_client()
    limit = int(api.settings["RATE_LIMIT_MAX"])
    assert (
        exhaust(
            noisy, limit, lambda _: noisy.get("notes?pageSize=1", headers=auth_headers)
        ).status_code
        == 429
    )
    response = quiet.get("notes?pageSize=1", headers=auth_headers)
    assert response.status_code == 200, show(response)


def test_forwarded_for_does_not_pick_the_bucket(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    # TRUST_PROXY=0: X-Forwarded-For is client input; honouring it would let anyone reset
    # their own limit.
    assert api.settings["TRUST_PROXY"] == "0"
    limit = int(api.settings["RATE_LIMIT_MAX"])

    def spoofed(attempt: int) -> httpx.Response:
        return client.get(
            "notes?pageSize=1",
            headers={**auth_headers, "X-Forwarded-For": f"203.0.113.{attempt % 250}"},
        )

    assert_limited(api, exhaust(client, limit, spoofed), "/api/v1/notes")


def test_auth_routes_have_the_stricter_limit(
    api: ApiProcess, client: httpx.Client, uses_auth: None
) -> None:
    limit = int(api.settings["AUTH_RATE_LIMIT_MAX"])
    assert limit < int(api.settings["RATE_LIMIT_MAX"])

    def bad_login(_: int) -> httpx.Response:
        return client.post(
            "auth/login",
            json={"email": f"{uuid.uuid4().hex}@x.test", "password": "wrong password!"},
        )

    assert_limited(api, exhaust(client, limit, bad_login), "/api/v1/auth/login")


@pytest.mark.parametrize("path", ["health", "health/ready", "metrics"])
def test_operational_routes_stay_open_when_limited(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str], path: str
) -> None:
    # Even an address that is over its limit can still be health-checked and scraped.
    limit = int(api.settings["RATE_LIMIT_MAX"])
    exhaust(client, limit, lambda _: client.get("notes?pageSize=1", headers=auth_headers))
    response = client.get(path)
    assert response.status_code == 200, show(response)


def test_behind_one_proxy_the_last_forwarded_hop_is_the_client(
    running_api: ApiProcess, new_client: Callable[..., httpx.Client], auth_headers: dict[str, str]
) -> None:
    """TRUST_PROXY=1 (behind Traefik): the client is the address Traefik appended last; what
    the client itself put in front of it must not choose the bucket. A separate instance
    with a small limit, so the shared API keeps TRUST_PROXY=0."""
    proxied = ApiProcess.for_project(
        running_api.project, name="trust-proxy", TRUST_PROXY="1", RATE_LIMIT_MAX="5"
    )
    proxied.start()
    try:
        traefik = new_client()  # every request arrives from the same proxy address
        traefik.base_url = httpx.URL(proxied.base_url + "/")
        limit = 5

        def from_client(attempt: int) -> httpx.Response:
            # The client forges a different first hop each time; Traefik appends the real one.
            forged = f"203.0.113.{attempt}, 198.51.100.7"
            headers = {**auth_headers, "X-Forwarded-For": forged}
            return traefik.get("notes?pageSize=1", headers=headers)

        last = exhaust(traefik, limit, from_client)
        assert_limited(proxied, last, "/api/v1/notes")
        other = traefik.get(
            "notes?pageSize=1", headers={**auth_headers, "X-Forwarded-For": "198.51.100.8"}
        )
        assert other.status_code == 200, f"another client behind the proxy was limited{show(other)}"
    finally:
        proxied.stop()
