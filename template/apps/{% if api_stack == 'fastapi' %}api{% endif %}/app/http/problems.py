"""RFC 9457 problem details: the one shape of every error response.

`errors` (validation failures only) names each offending field with a dotted path, using the
field names clients send (the JSON aliases, e.g. `pageSize`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Route

from app.http.request_id import current_request_id

PROBLEM_JSON = "application/problem+json"
# The schema of every error response in the OpenAPI document (app/openapi.py).
PROBLEM_REF = "#/components/schemas/Problem"
# Where a value came from is not part of its name: `body.title` is `title` to the client.
LOCATION_PREFIXES = frozenset({"body", "query", "path", "header", "cookie"})


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's own error statuses for its OpenAPI `responses` (app/openapi.py adds the
    problem details body to each, and the errors every route of its kind can answer with)."""
    return {status: {"description": reason_phrase(status)} for status in statuses}


def problem_body(
    status: int,
    instance: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> bytes:
    title = reason_phrase(status)
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        # 5xx never explain themselves to clients: the log and Sentry have the details.
        "detail": title if status >= 500 or not detail else detail,
        "instance": instance,
        "requestId": current_request_id.get(),
    }
    if errors:
        document["errors"] = errors
    return json.dumps(document, separators=(",", ":")).encode()


def problem_response(
    status: int,
    instance: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        problem_body(status, instance, detail, errors),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def field_name(location: Sequence[int | str]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in LOCATION_PREFIXES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(error: RequestValidationError) -> list[dict[str, str]]:
    found = []
    for issue in error.errors():
        name = field_name(issue.get("loc", ()))
        if issue.get("type") == "extra_forbidden":
            message = f"property {name} should not exist"
        elif issue.get("type") == "json_invalid":
            name, message = "body", "the body is not valid JSON"
        else:
            message = f"{name}: {issue.get('msg', 'is invalid')}"
        # Never echo the rejected input: it may be a password.
        found.append({"field": name, "message": message})
    return found


async def on_validation_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, RequestValidationError):
        raise error
    errors = validation_errors(error)
    detail = "; ".join(e["message"] for e in errors)
    return problem_response(400, request.url.path, detail, errors)


async def on_http_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, HTTPException):
        raise error
    detail = error.detail if isinstance(error.detail, str) else None
    headers = error.headers
    if error.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return problem_response(error.status_code, request.url.path, detail, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method the path has a route for: Starlette's 405 names only the first route's."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is Match.PARTIAL and isinstance(route, Route) and route.methods:
            methods |= route.methods
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
