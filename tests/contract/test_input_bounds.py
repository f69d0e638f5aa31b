"""Every numeric input has bounds, declared in the OpenAPI document and enforced with a 400
naming the parameter: a huge page, pageSize or id is a client error, never a 5xx (FastAPI
once passed page=10**30 to the database driver and answered 500).

Ids are UUIDs: anything else is a 400 naming `id`; a well-formed UUID that names no note of
the caller's is a 404, however large its digits.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.harness.http import assert_problem, assert_status, show

NOTES = "/api/v1/notes"
# The contract's bounds (docs/http-contract.md, GET /notes).
PAGE_MAX = 1_000_000
PAGE_SIZE_MAX = 100

HUGE = [str(10**30), str(2**63), str(2**64 + 1), str(2**31), "1e30", "9" * 400]
NEGATIVE = [str(-(10**30)), str(-(2**63)), "-1"]


@pytest.mark.parametrize("value", HUGE + NEGATIVE)
@pytest.mark.parametrize("name", ["page", "pageSize"])
def test_out_of_range_numbers_are_a_bad_request(
    client: httpx.Client, auth_headers: dict[str, str], name: str, value: str
) -> None:
    response = client.get(f"notes?{name}={value}", headers=auth_headers)
    assert_problem(response, 400, instance=NOTES, fields=[name])


@pytest.mark.parametrize(("name", "maximum"), [("page", PAGE_MAX), ("pageSize", PAGE_SIZE_MAX)])
def test_the_maximum_is_inclusive_and_one_more_is_refused(
    client: httpx.Client, auth_headers: dict[str, str], name: str, maximum: int
) -> None:
    at = client.get(f"notes?{name}={maximum}", headers=auth_headers)
    body = assert_status(at, 200)
    assert body[name] == maximum, show(at)
    over = client.get(f"notes?{name}={maximum + 1}", headers=auth_headers)
    assert_problem(over, 400, instance=NOTES, fields=[name])


def query_parameter(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The schema of GET /notes's query parameter `name`, with any $ref resolved."""
    operation = next(
        item["get"] for path, item in document["paths"].items() if path.endswith("/notes")
    )
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = resolve(document, parameter["$ref"])
        if parameter.get("in") == "query" and parameter.get("name") == name:
            schema: dict[str, Any] = parameter.get("schema", {})
            return resolve(document, schema["$ref"]) if "$ref" in schema else schema
    raise AssertionError(f"GET /notes documents no query parameter {name}: {operation}")


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict), ref
    return node


@pytest.mark.parametrize(("name", "maximum"), [("page", PAGE_MAX), ("pageSize", PAGE_SIZE_MAX)])
def test_the_document_declares_the_bounds(client: httpx.Client, name: str, maximum: int) -> None:
    # Clients and fuzzers learn the bounds from the document, not by hitting them.
    document = assert_status(client.get("openapi.json"), 200)
    schema = query_parameter(document, name)
    assert schema.get("type") == "integer", schema
    assert (schema.get("minimum"), schema.get("maximum")) == (1, maximum), schema


NOT_UUIDS = [str(10**30), str(2**64), "9" * 400, "-1", "0", "1e30"]


@pytest.mark.parametrize("note_id", NOT_UUIDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_id_that_is_not_a_uuid_is_a_bad_request(
    client: httpx.Client, auth_headers: dict[str, str], method: str, note_id: str
) -> None:
    payload = {"title": "t"} if method == "PATCH" else None
    response = client.request(method, f"notes/{note_id}", json=payload, headers=auth_headers)
    assert_problem(response, 400, instance=f"{NOTES}/{note_id}", fields=["id"])


@pytest.mark.parametrize(
    "note_id", ["ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_extreme_uuid_is_not_found(
    client: httpx.Client, auth_headers: dict[str, str], method: str, note_id: str
) -> None:
    payload = {"title": "t"} if method == "PATCH" else None
    response = client.request(method, f"notes/{note_id}", json=payload, headers=auth_headers)
    assert_problem(response, 404, instance=f"{NOTES}/{note_id}")


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_nul_character_is_a_bad_request(
    client: httpx.Client, auth_headers: dict[str, str], field: str
) -> None:
    # PostgreSQL text cannot hold U+0000; Schemathesis found the 500 it used to cause.
    payload = {"title": "t", "body": "b", field: "before\u0000after"}
    response = client.post("notes", json=payload, headers=auth_headers)
    assert_problem(response, 400, instance=NOTES, fields=[field])


def test_a_nul_character_in_an_email_is_a_bad_request(
    client: httpx.Client, uses_auth: None
) -> None:
    response = client.post(
        "auth/register",
        json={"email": "nul\u0000@example.test", "password": "correct horse battery staple"},
    )
    assert_problem(response, 400, instance="/api/v1/auth/register", fields=["email"])
