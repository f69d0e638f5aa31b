"""Rate limits in Redis: 429 with Retry-After; health and metrics stay open."""

from __future__ import annotations

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
