"""GET /openapi.json documents every route of the contract; GET /docs serves Swagger UI
outside production (test_production_mode.py checks the 404 in production)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.harness.answer_sets import RuntimeCase
from tests.harness.http import assert_status, show

PUBLIC_ROUTES = {
    ("get", "/api/v1/health"),
    ("get", "/api/v1/health/ready"),
    ("get", "/api/v1/notes"),
    ("post", "/api/v1/notes"),
    ("get", "/api/v1/notes/{id}"),
    ("patch", "/api/v1/notes/{id}"),
    ("delete", "/api/v1/notes/{id}"),
}
AUTH_ROUTES = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/users/me"),
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, full path) pairs; a server URL such as /api/v1 prefixes the paths."""
    servers = document.get("servers") or [{"url": ""}]
    prefix = urlparse(servers[0].get("url", "")).path.rstrip("/")
    return {
        (method, path if path.startswith("/api/v1") else prefix + path)
        for path, item in document.get("paths", {}).items()
        for method in item
        if method in METHODS
    }


@pytest.fixture
def document(client: httpx.Client) -> dict[str, Any]:
    response = client.get("openapi.json")
    body: dict[str, Any] = assert_status(response, 200)
    return body


def test_is_openapi_3(document: dict[str, Any]) -> None:
    assert str(document.get("openapi", "")).startswith("3."), document.get("openapi")
    assert document.get("info", {}).get("title"), "info.title is required"


def test_documents_every_route(document: dict[str, Any], runtime_case: RuntimeCase) -> None:
    expected = PUBLIC_ROUTES | (AUTH_ROUTES if runtime_case.use_auth else set())
    missing = expected - documented_routes(document)
    assert not missing, f"undocumented routes: {sorted(missing)}"


def test_documents_no_auth_routes_without_auth(
    document: dict[str, Any], runtime_case: RuntimeCase
) -> None:
    if runtime_case.use_auth:
        pytest.skip(f"{runtime_case.id}: use_auth=true")
    present = AUTH_ROUTES & documented_routes(document)
    assert not present, f"routes that do not exist are documented: {sorted(present)}"


def test_protected_routes_declare_bearer_auth(
    document: dict[str, Any], runtime_case: RuntimeCase
) -> None:
    if not runtime_case.use_auth:
        pytest.skip(f"{runtime_case.id}: use_auth=false, nothing is protected")
    schemes = document.get("components", {}).get("securitySchemes", {})
    assert any(
        s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"
        for s in schemes.values()
    ), schemes


def test_swagger_ui_outside_production(client: httpx.Client) -> None:
    response = client.get("docs", follow_redirects=True)
    assert response.status_code == 200, show(response)
    assert "text/html" in response.headers.get("content-type", ""), show(response)
    assert "swagger" in response.text.lower(), show(response)
