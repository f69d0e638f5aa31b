"""GET /metrics after real traffic: the request histogram labels routes by template."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_status, show
from tests.harness.prometheus_text import Sample, find, parse

BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, float("inf")]
HISTOGRAM = "http_request_duration_seconds"


@pytest.fixture
def scrape(
    client: httpx.Client, auth_headers: dict[str, str]
) -> tuple[list[Sample], dict[str, str], str]:
    """Send known traffic, then scrape: a note read (200), a missing note (404), an unknown
    route (404), and health checks (which must not show up)."""
    note = assert_status(
        client.post("notes", json={"title": "metrics", "body": ""}, headers=auth_headers), 201
    )
    for _ in range(3):
        assert_status(client.get(f"notes/{note['id']}", headers=auth_headers), 200)
    assert client.get(f"notes/{uuid.uuid4()}", headers=auth_headers).status_code == 404
    assert client.get(f"no-such-route/{uuid.uuid4()}").status_code == 404
    client.get("health")
    client.get("health/ready")
    response = client.get("metrics")
    assert response.status_code == 200, show(response)
    samples, types = parse(response.text)
    return samples, types, response.headers.get("content-type", "")


def test_content_type_is_prometheus_text(scrape: tuple[list[Sample], dict[str, str], str]) -> None:
    content_type = scrape[2].replace(" ", "")
    assert content_type.startswith("text/plain"), content_type
    assert "version=0.0.4" in content_type, content_type


def test_histogram_labels_the_route_template(
    scrape: tuple[list[Sample], dict[str, str], str],
) -> None:
    samples, types, _ = scrape
    assert types.get(HISTOGRAM) == "histogram", types.get(HISTOGRAM)
    counts = find(
        samples, f"{HISTOGRAM}_count", method="GET", route="/api/v1/notes/{id}", status_code="200"
    )
    assert sum(s.value for s in counts) >= 3, (
        f"no GET /api/v1/notes/{{id}} 200 series: {routes(samples)}"
    )
    missing = find(
        samples, f"{HISTOGRAM}_count", method="GET", route="/api/v1/notes/{id}", status_code="404"
    )
    assert sum(s.value for s in missing) >= 1, (
        f"no 404 series for the note route: {routes(samples)}"
    )
    created = find(
        samples, f"{HISTOGRAM}_count", method="POST", route="/api/v1/notes", status_code="201"
    )
    assert created, f"no POST /api/v1/notes 201 series: {routes(samples)}"


def test_histogram_has_the_contract_buckets(
    scrape: tuple[list[Sample], dict[str, str], str],
) -> None:
    samples = scrape[0]
    series = find(
        samples, f"{HISTOGRAM}_bucket", method="GET", route="/api/v1/notes/{id}", status_code="200"
    )
    assert sorted(float(s.labels["le"]) for s in series) == BUCKETS


def test_unknown_routes_are_one_unmatched_series(
    scrape: tuple[list[Sample], dict[str, str], str],
) -> None:
    samples = scrape[0]
    assert find(samples, f"{HISTOGRAM}_count", route="unmatched", status_code="404"), routes(
        samples
    )
    leaked = {route for route in routes(samples) if "no-such-route" in route or _has_uuid(route)}
    assert not leaked, f"raw paths as label values (unbounded cardinality): {leaked}"


def test_health_and_metrics_are_not_recorded(
    scrape: tuple[list[Sample], dict[str, str], str],
) -> None:
    recorded = {route for route in routes(scrape[0]) if "health" in route or "metrics" in route}
    assert not recorded, recorded


def test_in_flight_gauge_and_app_info(
    api: ApiProcess, scrape: tuple[list[Sample], dict[str, str], str]
) -> None:
    samples, types, _ = scrape
    assert types.get("http_requests_in_flight") == "gauge", types.get("http_requests_in_flight")
    assert find(samples, "http_requests_in_flight")
    info = find(
        samples,
        "app_info",
        version=api.settings["APP_VERSION"],
        environment=api.settings["APP_ENV"],
    )
    assert [s.value for s in info] == [1], [s for s in samples if s.name == "app_info"]


def test_process_metrics(scrape: tuple[list[Sample], dict[str, str], str]) -> None:
    names = {s.name for s in scrape[0]}
    for name in (
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
    ):
        assert name in names, f"{name} missing"


def routes(samples: list[Sample]) -> set[str]:
    return {s.labels.get("route", "") for s in samples if s.name.startswith(HISTOGRAM)}


def _has_uuid(text: str) -> bool:
    try:
        return any(uuid.UUID(part) for part in text.split("/") if len(part) == 36)
    except ValueError:
        return False
