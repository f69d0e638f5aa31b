"""Security headers on every response: successes, client errors and not-found alike."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.harness.http import show

HALF_A_YEAR = 15552000

# One request per kind of response, so a header added only by a success path is caught.
REQUESTS = [
    ("GET", "health", None),
    ("GET", "health/ready", None),
    ("GET", "no-such-route", None),
    ("POST", "notes", b"{not json"),
    ("GET", "openapi.json", None),
    ("GET", "users/me", None),  # 401 with auth, 404 without: both must carry the headers
]


@pytest.fixture(params=REQUESTS, ids=lambda r: f"{r[0]} {r[1]}")
def response(request: pytest.FixtureRequest, client: httpx.Client) -> httpx.Response:
    method, path, content = request.param
    return client.request(
        method, path, content=content, headers={"Content-Type": "application/json"}
    )


def test_strict_transport_security(response: httpx.Response) -> None:
    value = response.headers.get("strict-transport-security", "")
    match = re.search(r"max-age=(\d+)", value)
    assert match, show(response)
    assert int(match.group(1)) >= HALF_A_YEAR, show(response)
    assert "includesubdomains" in value.lower(), show(response)


def test_no_sniffing_no_framing_no_referrer(response: httpx.Response) -> None:
    assert response.headers.get("x-content-type-options") == "nosniff", show(response)
    assert response.headers.get("x-frame-options", "").upper() in ("DENY", "SAMEORIGIN"), show(
        response
    )
    assert response.headers.get("referrer-policy") == "no-referrer", show(response)


def test_content_security_policy(response: httpx.Response) -> None:
    policy = response.headers.get("content-security-policy", "")
    assert re.search(r"default-src '(none|self)'", policy), show(response)


def test_cross_origin_policies(response: httpx.Response) -> None:
    assert response.headers.get("cross-origin-opener-policy"), show(response)
    assert response.headers.get("cross-origin-resource-policy"), show(response)


def test_no_powered_by(response: httpx.Response) -> None:
    assert "x-powered-by" not in response.headers, show(response)
