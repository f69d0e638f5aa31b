"""GET /health (liveness) and GET /health/ready (PostgreSQL and Redis)."""

from __future__ import annotations

import httpx

from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_json_content_type, assert_status, show


def test_liveness_answers_ok(client: httpx.Client) -> None:
    response = client.get("health")
    assert assert_status(response, 200) == {"status": "ok"}, show(response)
    assert_json_content_type(response)


def test_readiness_reports_both_dependencies_up(client: httpx.Client) -> None:
    response = client.get("health/ready")
    body = assert_status(response, 200)
    assert body["status"] == "ok", show(response)
    assert body["details"]["postgres"]["status"] == "up", show(response)
    assert body["details"]["redis"]["status"] == "up", show(response)
    assert_json_content_type(response)


def test_health_routes_are_not_rate_limited(api: ApiProcess, client: httpx.Client) -> None:
    # Traefik and Prometheus poll these from one address all day long.
    limit = int(api.settings["RATE_LIMIT_MAX"])
    for path in ("health", "health/ready", "metrics"):
        for attempt in range(limit + 5):
            response = client.get(path)
            assert response.status_code == 200, f"{path}: request {attempt + 1}{show(response)}"
