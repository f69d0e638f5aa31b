"""The metrics every stack exports; process_* metrics come from the client's default collectors."""

from __future__ import annotations

from prometheus_client import Gauge, Histogram

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration by method, route template and status code",
    ["method", "route", "status_code"],
    buckets=BUCKETS,
)
IN_FLIGHT = Gauge("http_requests_in_flight", "HTTP requests being handled right now")
APP_INFO = Gauge(
    "app_info", "Always 1; labels carry the release and environment", ["version", "environment"]
)


def record_app_info(version: str, environment: str) -> None:
    APP_INFO.labels(version=version, environment=environment).set(1)
