"""Rate limits in Redis: 429 with Retry-After; health and metrics stay open; the auth
routes' own buckets; a client is an IPv4 address or an IPv6 /64."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable

from fastapi import FastAPI

from tests.conftest import client_for, random_address


async def test_limit_gives_429_with_retry_after(
    build_app: Callable[..., FastAPI], auth_headers: dict[str, str]
) -> None:
    app = build_app(rate_limit_max=3)
    async with client_for(app) as client:
        statuses = [(await client.get("no-such-route")).status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        limited = await client.get("notes")
        assert limited.headers["content-type"] == "application/problem+json"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert (await client.get("health")).status_code == 200
        metrics = await client.get("metrics")
        assert metrics.status_code == 200
        # Refused before routing, still labelled by the route it was meant for.
        assert 'route="/api/v1/notes",status_code="429"' in metrics.text
    async with client_for(app) as other_client:
        assert (await other_client.get("no-such-route")).status_code == 404


async def test_trusted_proxy_hop_picks_the_client(build_app: Callable[..., FastAPI]) -> None:
    app = build_app(rate_limit_max=1, trust_proxy=1)
    one, two = random_address(), random_address()
    async with client_for(app) as proxy:
        first = await proxy.get("no-such-route", headers={"X-Forwarded-For": one})
        second = await proxy.get("no-such-route", headers={"X-Forwarded-For": two})
        again = await proxy.get("no-such-route", headers={"X-Forwarded-For": one})
    assert [first.status_code, second.status_code, again.status_code] == [404, 404, 429]


async def test_login_and_refresh_have_separate_buckets(build_app: Callable[..., FastAPI]) -> None:
    # Path-based: the routes need not exist (no auth) for their buckets to count.
    app = build_app(auth_rate_limit_max=2, auth_refresh_rate_limit_max=3)
    async with client_for(app) as client:
        logins = [(await client.post("auth/login", json={})).status_code for _ in range(3)]
        assert logins[2] == 429
        assert (await client.post("auth/register", json={})).status_code == 429
        refreshes = [
            (await client.post(f"auth/{path}", json={})).status_code
            for path in ("refresh", "logout", "refresh", "logout")
        ]
    assert 429 not in refreshes[:3]
    assert refreshes[3] == 429


async def test_an_ipv6_client_is_its_64(build_app: Callable[..., FastAPI]) -> None:
    app = build_app(rate_limit_max=1)
    network = ipaddress.IPv6Network((0x20010DB8 << 96 | secrets.randbits(32) << 64, 64))
    neighbour = ipaddress.IPv6Network((int(network.network_address) + 2**64, 64))
    async with client_for(app, str(network[1])) as first:
        assert (await first.get("no-such-route")).status_code == 404
    async with client_for(app, str(network[-1])) as same_network:
        assert (await same_network.get("no-such-route")).status_code == 429
    async with client_for(app, str(neighbour[1])) as other_network:
        assert (await other_network.get("no-such-route")).status_code == 404
