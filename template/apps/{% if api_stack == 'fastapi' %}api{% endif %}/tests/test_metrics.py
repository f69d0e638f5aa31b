"""Prometheus metrics: contract names, route templates, no health checks in the histogram."""

from __future__ import annotations

import uuid

import httpx


async def test_routes_are_labelled_by_template(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    await client.get(f"notes/{uuid.uuid4()}", headers=auth_headers)
    await client.get(f"no-such-route/{uuid.uuid4()}")
    await client.get("health")
    response = await client.get("metrics")
    assert response.status_code == 200
    assert "version=0.0.4" in response.headers["content-type"]
    text = response.text
    assert 'route="/api/v1/notes/{id}"' in text
    assert 'route="unmatched"' in text
    assert 'route="/api/v1/health"' not in text
    assert "no-such-route" not in text
    assert 'app_info{environment="test",version="test"} 1.0' in text
    assert "http_requests_in_flight" in text
    assert "process_cpu_seconds_total" in text
