"""Per-client rate limits: RATE_LIMIT_MAX per window, AUTH_RATE_LIMIT_MAX on login and
register, AUTH_REFRESH_RATE_LIMIT_MAX on refresh and logout, 429 with Retry-After; a client is
an IPv4 address or an IPv6 /64. Each test sends from its own loopback address, so it has a
fresh bucket and leaves every other test's bucket alone."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from collections.abc import Callable, Iterator

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


def test_refresh_and_logout_have_their_own_generous_bucket(
    api: ApiProcess, client: httpx.Client, uses_auth: None
) -> None:
    """An office behind one NAT address: its logins use up the strict login bucket, yet
    everyone's sessions keep refreshing, up to a limit of their own (and a higher one)."""
    login_limit = int(api.settings["AUTH_RATE_LIMIT_MAX"])
    refresh_limit = int(api.settings["AUTH_REFRESH_RATE_LIMIT_MAX"])
    assert refresh_limit > login_limit

    def bad_login(_: int) -> httpx.Response:
        return client.post(
            "auth/login",
            json={"email": f"{uuid.uuid4().hex}@x.test", "password": "wrong password!"},
        )

    assert_limited(api, exhaust(client, login_limit, bad_login), "/api/v1/auth/login")

    def end_or_refresh(attempt: int) -> httpx.Response:
        # An unknown token: 401 from refresh, 204 from logout; either way one count.
        path = "auth/refresh" if attempt % 2 == 0 else "auth/logout"
        return client.post(path, json={"refreshToken": f"unknown-{uuid.uuid4().hex}"})

    assert refresh_limit % 2 == 0, "the request over the limit is then a refresh"
    assert_limited(api, exhaust(client, refresh_limit, end_or_refresh), "/api/v1/auth/refresh")


@pytest.mark.parametrize("path", ["health", "health/ready", "metrics"])
def test_operational_routes_stay_open_when_limited(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str], path: str
) -> None:
    # Even an address that is over its limit can still be health-checked and scraped.
    limit = int(api.settings["RATE_LIMIT_MAX"])
    exhaust(client, limit, lambda _: client.get("notes?pageSize=1", headers=auth_headers))
    response = client.get(path)
    assert response.status_code == 200, show(response)


@pytest.fixture
def behind_traefik(running_api: ApiProcess) -> Iterator[ApiProcess]:
    """An instance of its own with TRUST_PROXY=1 (behind Traefik) and a small limit, so the
    shared API keeps TRUST_PROXY=0."""
    proxied = ApiProcess.for_project(
        running_api.project, name="trust-proxy", TRUST_PROXY="1", RATE_LIMIT_MAX="8"
    )
    proxied.start()
    yield proxied
    proxied.stop()


def random_ipv6_network() -> ipaddress.IPv6Network:
    """A /64 of 2001:db8::/32 (documentation) that no earlier run's bucket can match."""
    base = int(ipaddress.IPv6Address("2001:db8::")) | secrets.randbits(32) << 64
    return ipaddress.IPv6Network((base, 64))


def test_an_ipv6_client_is_its_64_and_ipv4_mapped_is_ipv4(
    behind_traefik: ApiProcess,
    new_client: Callable[..., httpx.Client],
    auth_headers: dict[str, str],
) -> None:
    """Eight addresses of one /64 share one bucket; the next /64 has its own; ::ffff:a.b.c.d
    is the IPv4 client a.b.c.d.

    IPv6 clients come through X-Forwarded-For from one trusted hop, the path every client
    takes in production (Traefik in front, TRUST_PROXY=1). Real IPv6 source addresses would
    need a local route added to this machine's loopback (NET_ADMIN, a change to a shared
    host), and the API keys on the peer only without a proxy, which production never runs.
    """
    limit = int(behind_traefik.settings["RATE_LIMIT_MAX"])
    traefik = new_client()  # every request arrives from the same proxy address
    traefik.base_url = httpx.URL(behind_traefik.base_url + "/")

    def from_client(address: str) -> httpx.Response:
        headers = {**auth_headers, "X-Forwarded-For": address}
        return traefik.get("notes?pageSize=1", headers=headers)

    network, neighbour = random_ipv6_network(), random_ipv6_network()
    # `limit` interface ids of one /64 (compressed, in full, upper case), then one more.
    addresses = [str(network[1]), network[2].exploded, str(network[-1]).upper()]
    addresses += [str(network[secrets.randbits(64)]) for _ in range(limit + 1 - len(addresses))]
    last = exhaust(traefik, limit, lambda attempt: from_client(addresses[attempt]))
    assert_limited(behind_traefik, last, "/api/v1/notes")
    other = from_client(str(neighbour[1]))
    assert other.status_code == 200, f"another /64 was limited{show(other)}"

    ipv4 = str(ipaddress.IPv4Address(0x0A000000 | secrets.randbits(24)))
    forms = [ipv4, f"::ffff:{ipv4}"]
    last = exhaust(traefik, limit, lambda n: from_client(forms[n % 2]))
    assert_limited(behind_traefik, last, "/api/v1/notes")


def test_behind_one_proxy_the_last_forwarded_hop_is_the_client(
    behind_traefik: ApiProcess,
    new_client: Callable[..., httpx.Client],
    auth_headers: dict[str, str],
) -> None:
    """TRUST_PROXY=1 (behind Traefik): the client is the address Traefik appended last; what
    the client itself put in front of it must not choose the bucket."""
    traefik = new_client()  # every request arrives from the same proxy address
    traefik.base_url = httpx.URL(behind_traefik.base_url + "/")
    limit = int(behind_traefik.settings["RATE_LIMIT_MAX"])

    def from_client(attempt: int) -> httpx.Response:
        # The client forges a different first hop each time; Traefik appends the real one.
        forged = f"203.0.113.{attempt}, 198.51.100.7"
        headers = {**auth_headers, "X-Forwarded-For": forged}
        return traefik.get("notes?pageSize=1", headers=headers)

    last = exhaust(traefik, limit, from_client)
    assert_limited(behind_traefik, last, "/api/v1/notes")
    other = traefik.get(
        "notes?pageSize=1", headers={**auth_headers, "X-Forwarded-For": "198.51.100.8"}
    )
    assert other.status_code == 200, f"another client behind the proxy was limited{show(other)}"
