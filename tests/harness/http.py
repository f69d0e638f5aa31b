"""HTTP helpers for the contract suite: clients with their own source address, and the
assertions every error response shares (RFC 9457 problem details)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from tests.harness.ports import ADDRESSES

TIMEOUT = httpx.Timeout(10.0)
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_8601_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")

# RFC 9110 renamed a few reason phrases; accept the old and the new wording.
REASON_PHRASES: dict[int, set[str]] = {
    400: {"Bad Request"},
    401: {"Unauthorized"},
    403: {"Forbidden"},
    404: {"Not Found"},
    409: {"Conflict"},
    413: {"Content Too Large", "Payload Too Large", "Request Entity Too Large"},
    429: {"Too Many Requests"},
    500: {"Internal Server Error"},
    503: {"Service Unavailable"},
}


def client(base_url: str, address: str | None = None, **kwargs: Any) -> httpx.Client:
    """A client whose connections come from `address` (a fresh 127.x.y.z by default)."""
    transport = httpx.HTTPTransport(local_address=address or ADDRESSES.next())
    return httpx.Client(base_url=base_url + "/", transport=transport, timeout=TIMEOUT, **kwargs)


def show(response: httpx.Response) -> str:
    """The exchange, for assertion messages: request line, status, headers and body."""
    request = response.request
    body = response.text
    if len(body) > 1500:
        body = body[:1500] + f"... ({len(body)} characters)"
    headers = "\n".join(f"  {name}: {value}" for name, value in response.headers.items())
    return f"\n{request.method} {request.url} -> {response.status_code}\n{headers}\n  body: {body}"


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AssertionError(f"body is not JSON ({error}){show(response)}") from error


def assert_status(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, f"expected {status}{show(response)}"
    return json_body(response) if response.content else None


def assert_json_content_type(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "").replace(" ", "").lower()
    assert content_type == "application/json;charset=utf-8", (
        f"expected Content-Type application/json; charset=utf-8{show(response)}"
    )


def assert_problem(
    response: httpx.Response,
    status: int,
    instance: str | None = None,
    fields: list[str] | None = None,
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with the contract's extra members.

    `fields`: a validation failure whose `errors` must name each of these fields.
    """
    assert response.status_code == status, f"expected {status}{show(response)}"
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == "application/problem+json", (
        f"expected Content-Type application/problem+json{show(response)}"
    )
    body = json_body(response)
    assert isinstance(body, dict), f"problem body is not an object{show(response)}"
    assert body.get("type") == "about:blank", f"type should be about:blank{show(response)}"
    assert body.get("title") in REASON_PHRASES[status], (
        f"title is not the reason phrase{show(response)}"
    )
    assert body.get("status") == status, f"status member != {status}{show(response)}"
    assert isinstance(body.get("detail"), str), f"detail missing{show(response)}"
    assert body["detail"], f"detail empty{show(response)}"
    if instance is not None:
        assert body.get("instance") == instance, f"instance should be {instance}{show(response)}"
    request_id = response.headers.get("x-request-id")
    assert request_id, f"X-Request-Id header missing{show(response)}"
    assert body.get("requestId") == request_id, (
        f"requestId must equal the X-Request-Id header{show(response)}"
    )
    if fields is not None:
        errors = body.get("errors")
        assert isinstance(errors, list), f"`errors` must be a list{show(response)}"
        assert errors, f"a validation problem needs `errors`{show(response)}"
        for error in errors:
            assert isinstance(error.get("field"), str), f"errors[].field{show(response)}"
            assert isinstance(error.get("message"), str), (
                f"each error needs field and message{show(response)}"
            )
        named = {error["field"] for error in errors}
        missing = set(fields) - named
        assert not missing, f"`errors` does not name {sorted(missing)}{show(response)}"
    elif status != 400:
        assert "errors" not in body, (
            f"`errors` belongs to 400 validation failures only{show(response)}"
        )
    if status >= 500:
        assert body["detail"] == "Internal Server Error" or status == 503, (
            f"5xx must not leak internals{show(response)}"
        )
    return body


def unique_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@contract.example.test"
