"""Liveness, readiness, and the headers every response carries."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


async def test_liveness_is_ok_as_utf8_json(client: httpx.AsyncClient) -> None:
    response = await client.get("health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["content-type"] == "application/json; charset=utf-8"


async def test_readiness_checks_postgres_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["details"] == {"postgres": {"status": "up"}, "redis": {"status": "up"}}


async def test_readiness_is_503_once_shutdown_began(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.shutdown.requested_at = 0.0
    response = await client.get("health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "shutting_down"


async def test_security_headers_and_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("no-such-route", headers={"X-Request-Id": "trace-1"})
    assert response.headers["x-request-id"] == "trace-1"
    assert response.json()["requestId"] == "trace-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "includeSubDomains" in response.headers["strict-transport-security"]


async def test_invalid_request_ids_are_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("health", headers={"X-Request-Id": "has space"})
    assert response.headers["x-request-id"] != "has space"
    assert len(response.headers["x-request-id"]) == 36


async def test_cors_only_for_allowed_origins(client: httpx.AsyncClient) -> None:
    allowed = await client.get("health", headers={"Origin": "https://app.example.test"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.test"
    preflight = await client.options(
        "notes",
        headers={
            "Origin": "https://app.example.test",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert preflight.status_code == 204
    assert preflight.content == b""
    foreign = await client.options(
        "notes", headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"}
    )
    assert not [name for name in foreign.headers if name.startswith("access-control-")]
