"""The example resource: CRUD of notes, with ISO 8601 UTC timestamps."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx

from tests.harness.http import (
    ISO_8601_UTC,
    assert_json_content_type,
    assert_problem,
    assert_status,
    show,
)

NOTE_KEYS = {"id", "title", "body", "createdAt", "updatedAt"}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_note(note: dict[str, object], title: str, body: str) -> None:
    assert set(note) == NOTE_KEYS, f"note keys {sorted(note)}"
    uuid.UUID(str(note["id"]))  # raises unless the id is a UUID
    assert (note["title"], note["body"]) == (title, body), note
    assert ISO_8601_UTC.match(str(note["createdAt"])), note
    assert ISO_8601_UTC.match(str(note["updatedAt"])), note


def test_create_returns_the_note(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    response = client.post(
        "notes", json={"title": "Groceries", "body": "eggs, flour"}, headers=auth_headers
    )
    note = assert_status(response, 201)
    assert_note(note, "Groceries", "eggs, flour")
    assert_json_content_type(response)


def test_title_and_body_limits_are_inclusive(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    note = assert_status(
        client.post("notes", json={"title": "t" * 200, "body": "b" * 10000}, headers=auth_headers),
        201,
    )
    assert len(note["body"]) == 10000
    assert len(note["title"]) == 200


def test_read_returns_what_was_created(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    created = assert_status(
        client.post("notes", json={"title": "Read me", "body": "ü ✓ 𝄞"}, headers=auth_headers), 201
    )
    response = client.get(f"notes/{created['id']}", headers=auth_headers)
    assert assert_status(response, 200) == created, show(response)


def test_patch_changes_only_the_given_fields(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    created = assert_status(
        client.post("notes", json={"title": "Before", "body": "kept"}, headers=auth_headers), 201
    )
    response = client.patch(f"notes/{created['id']}", json={"title": "After"}, headers=auth_headers)
    updated = assert_status(response, 200)
    assert_note(updated, "After", "kept")
    assert (updated["id"], updated["createdAt"]) == (created["id"], created["createdAt"]), show(
        response
    )
    assert parse_time(updated["updatedAt"]) >= parse_time(created["updatedAt"]), show(response)
    reread = assert_status(client.get(f"notes/{created['id']}", headers=auth_headers), 200)
    assert reread == updated, "the read after a write must not serve a stale (cached) note"


def test_delete_removes_the_note(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    created = assert_status(
        client.post("notes", json={"title": "Bye", "body": ""}, headers=auth_headers), 201
    )
    assert_status(client.get(f"notes/{created['id']}", headers=auth_headers), 200)  # warm any cache
    response = client.delete(f"notes/{created['id']}", headers=auth_headers)
    assert (response.status_code, response.content) == (204, b""), show(response)
    assert_problem(client.get(f"notes/{created['id']}", headers=auth_headers), 404)
    assert_problem(client.delete(f"notes/{created['id']}", headers=auth_headers), 404)
    assert_problem(
        client.patch(f"notes/{created['id']}", json={"title": "x"}, headers=auth_headers), 404
    )
