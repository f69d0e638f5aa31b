"""CORS: only origins listed in ALLOWED_ORIGINS get CORS headers."""

from __future__ import annotations

import httpx
import pytest

from tests.harness.api_process import ApiProcess
from tests.harness.http import show

STRANGER = "https://evil.example.test"


@pytest.fixture
def allowed_origin(api: ApiProcess) -> str:
    return api.settings["ALLOWED_ORIGINS"].split(",")[0]


def vary_names(response: httpx.Response) -> set[str]:
    return {name.strip().lower() for name in response.headers.get("vary", "").split(",")}


def test_allowed_origin_is_echoed(client: httpx.Client, allowed_origin: str) -> None:
    response = client.get("health", headers={"Origin": allowed_origin})
    assert response.headers.get("access-control-allow-origin") == allowed_origin, show(response)
    assert "origin" in vary_names(response), show(response)


def test_every_listed_origin_is_allowed(api: ApiProcess, client: httpx.Client) -> None:
    for origin in api.settings["ALLOWED_ORIGINS"].split(","):
        response = client.get("health", headers={"Origin": origin})
        assert response.headers.get("access-control-allow-origin") == origin, show(response)


def test_preflight_for_allowed_origin_is_204(client: httpx.Client, allowed_origin: str) -> None:
    response = client.options(
        "notes",
        headers={
            "Origin": allowed_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 204, show(response)
    assert response.headers.get("access-control-allow-origin") == allowed_origin, show(response)
    assert "POST" in response.headers.get("access-control-allow-methods", "").upper(), show(
        response
    )


def test_other_origins_get_no_cors_headers(client: httpx.Client) -> None:
    simple = client.get("health", headers={"Origin": STRANGER})
    preflight = client.options(
        "notes", headers={"Origin": STRANGER, "Access-Control-Request-Method": "POST"}
    )
    for response in (simple, preflight):
        cors = [
            name for name in response.headers if name.lower().startswith("access-control-allow-")
        ]
        assert not cors, f"CORS headers for a foreign origin: {cors}{show(response)}"
