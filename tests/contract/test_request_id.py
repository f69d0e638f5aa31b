"""X-Request-Id: echoed when it is 1-128 characters of [A-Za-z0-9._-], else a new UUID v4."""

from __future__ import annotations

import httpx
import pytest

from tests.harness.http import UUID_V4, show


@pytest.mark.parametrize(
    "request_id",
    ["a", "trace-ID_1.2", "x" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"],
    ids=["one-char", "all-allowed-classes", "128-chars", "uuid"],
)
def test_valid_ids_are_echoed(client: httpx.Client, request_id: str) -> None:
    response = client.get("health", headers={"X-Request-Id": request_id})
    assert response.headers.get("x-request-id") == request_id, show(response)


@pytest.mark.parametrize(
    "request_id",
    ["x" * 129, "has space", "semi;colon", "slash/es", "<script>", "ünïcode"],
    ids=["129-chars", "space", "semicolon", "slash", "markup", "non-ascii"],
)
def test_invalid_ids_are_replaced_by_a_uuid(client: httpx.Client, request_id: str) -> None:
    response = client.get("health", headers={b"X-Request-Id": request_id.encode("utf-8")})
    assert UUID_V4.match(response.headers.get("x-request-id", "")), show(response)


def test_missing_ids_are_generated_fresh_each_time(client: httpx.Client) -> None:
    ids = {client.get("health").headers.get("x-request-id", "") for _ in range(5)}
    assert len(ids) == 5, ids
    assert all(UUID_V4.match(value) for value in ids), ids


def test_error_responses_carry_the_echoed_id(client: httpx.Client) -> None:
    response = client.get("no-such-route", headers={"X-Request-Id": "error-trace-42"})
    assert response.headers.get("x-request-id") == "error-trace-42", show(response)
    assert response.json().get("requestId") == "error-trace-42", show(response)
