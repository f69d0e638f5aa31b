"""The OpenAPI document at /api/v1/openapi.json declares every response a client can get.

FastAPI documents each route's success and a 422 it never sends (validation failures are 400
problem details here). This replaces the 422 with the error responses the HTTP contract
defines, each `application/problem+json` with the Problem schema, so clients and fuzzers
(Schemathesis in the template's tests) can hold the API to its document:

- 400 where an operation takes parameters or a body; 413 where it takes a body;
- 401 where it needs a Bearer token; 404 where its path names a resource;
- 429 (with Retry-After) on every rate-limited route, i.e. all but /health*;
- what a route declares itself through `problem_responses` (409 on register, 401 on login).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.http.problems import PROBLEM_JSON, PROBLEM_REF, reason_phrase
from app.paths import API_PREFIX

NOT_RATE_LIMITED = (f"{API_PREFIX}/health", f"{API_PREFIX}/metrics")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "instance", "requestId"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "requestId": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Validation failures (400) only: each offending field",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
RETRY_AFTER: dict[str, Any] = {
    "description": "Seconds until the window resets",
    "schema": {"type": "integer", "minimum": 1},
}


def problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": reason_phrase(status),
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def error_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """The contract's errors an operation can answer with, from what it takes."""
    statuses: set[int] = set()
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        statuses.add(400)
    if "requestBody" in operation:
        statuses.add(413)
    if operation.get("security"):
        statuses.add(401)
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if not path.startswith(NOT_RATE_LIMITED):
        statuses.add(429)
    return statuses


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schemas = document["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(declared | error_statuses(path, operation)):
                if status != 503:  # readiness declares its own 503 body
                    responses[str(status)] = problem(status)
            operation["responses"] = dict(sorted(responses.items()))
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document (built once, on the first request for it)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                routes=app.routes,
            )
            app.openapi_schema = with_problem_responses(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
