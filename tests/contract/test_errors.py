"""Error responses: RFC 9457 problem details with requestId, for every status the API uses.

401, 409 and 429 live with the features that produce them (test_auth*.py, test_rate_limit.py).
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_problem, show

NOTES = "/api/v1/notes"


def test_unknown_field_is_rejected_and_named(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    # Whitelisting, not stripping: a client sending a typo or an extra field learns about it.
    response = client.post(
        "notes", json={"title": "t", "body": "b", "nickname": "x"}, headers=auth_headers
    )
    body = assert_problem(response, 400, instance=NOTES, fields=["nickname"])
    assert all(error["field"] != "title" for error in body["errors"]), show(response)


def test_unknown_field_on_update_is_rejected(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    created = client.post("notes", json={"title": "t", "body": "b"}, headers=auth_headers)
    assert created.status_code == 201, show(created)
    note_id = created.json()["id"]
    response = client.patch(
        f"notes/{note_id}", json={"ownerId": str(uuid.uuid4())}, headers=auth_headers
    )
    assert_problem(response, 400, instance=f"{NOTES}/{note_id}", fields=["ownerId"])


def test_invalid_json_is_a_bad_request(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    response = client.post(
        "notes",
        content=b'{"title": "unterminated',
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, instance=NOTES)


def test_missing_fields_are_named(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    response = client.post("notes", json={}, headers=auth_headers)
    assert_problem(response, 400, instance=NOTES, fields=["title"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "", "body": "b"}, "title"),
        ({"title": "x" * 201, "body": "b"}, "title"),
        ({"title": "t", "body": "x" * 10001}, "body"),
        ({"title": 42, "body": "b"}, "title"),
    ],
    ids=["empty-title", "title-201-chars", "body-10001-chars", "title-not-a-string"],
)
def test_invalid_note_fields_are_named(
    client: httpx.Client, auth_headers: dict[str, str], payload: dict[str, object], field: str
) -> None:
    response = client.post("notes", json=payload, headers=auth_headers)
    assert_problem(response, 400, instance=NOTES, fields=[field])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        ("page=0", "page"),
        ("page=abc", "page"),
    ],
)
def test_bad_query_parameters_are_named(
    client: httpx.Client, auth_headers: dict[str, str], query: str, field: str
) -> None:
    response = client.get(f"notes?{query}", headers=auth_headers)
    assert_problem(response, 400, instance=NOTES, fields=[field])


def test_unknown_route_is_not_found(client: httpx.Client) -> None:
    response = client.get("no-such-route")
    assert_problem(response, 404, instance="/api/v1/no-such-route")


def test_missing_note_is_not_found(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    note_id = uuid.uuid4()
    response = client.get(f"notes/{note_id}", headers=auth_headers)
    assert_problem(response, 404, instance=f"{NOTES}/{note_id}")


def test_body_over_the_limit_is_too_large(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    limit = int(api.settings["BODY_LIMIT_BYTES"])
    payload = oversized_note(limit + 1)
    response = client.post(
        "notes", content=payload, headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 413, instance=NOTES)


def test_body_at_the_limit_reaches_validation(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    # Exactly BODY_LIMIT_BYTES is allowed through the size check; the 10000-character body
    # rule then rejects it. Shows the limit is the configured one, not a framework default.
    limit = int(api.settings["BODY_LIMIT_BYTES"])
    response = client.post(
        "notes",
        content=oversized_note(limit),
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, instance=NOTES, fields=["body"])


def oversized_note(size: int) -> bytes:
    """A valid JSON note document of exactly `size` bytes."""
    skeleton = json.dumps({"title": "big", "body": ""}).encode()
    return skeleton[:-2] + b"x" * (size - len(skeleton)) + skeleton[-2:]
