"""With auth, notes belong to their author: another user sees 404, never 403 (no leak of
which ids exist), and lists hold only their own notes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.harness.accounts import Account, signed_up
from tests.harness.http import assert_problem, assert_status

pytestmark = pytest.mark.usefixtures("uses_auth")


def test_notes_require_a_token(client: httpx.Client) -> None:
    assert_problem(client.get("notes"), 401, instance="/api/v1/notes")
    assert_problem(
        client.post("notes", json={"title": "t", "body": "b"}), 401, instance="/api/v1/notes"
    )


def test_another_users_note_is_not_found(
    client: httpx.Client, account: Account, new_client: Callable[..., httpx.Client]
) -> None:
    note = assert_status(
        client.post("notes", json={"title": "mine", "body": "secret"}, headers=account.headers), 201
    )
    intruder = signed_up(new_client(), "intruder")
    path = f"notes/{note['id']}"
    assert_problem(client.get(path, headers=intruder.headers), 404, instance=f"/api/v1/{path}")
    assert_problem(client.patch(path, json={"title": "hacked"}, headers=intruder.headers), 404)
    assert_problem(client.delete(path, headers=intruder.headers), 404)
    # Still there, unchanged, for its owner.
    assert assert_status(client.get(path, headers=account.headers), 200) == note


def test_lists_hold_only_the_users_own_notes(
    client: httpx.Client, account: Account, new_client: Callable[..., httpx.Client]
) -> None:
    assert_status(
        client.post("notes", json={"title": "owner's", "body": ""}, headers=account.headers), 201
    )
    other = signed_up(new_client(), "other")
    listing = assert_status(client.get("notes", headers=other.headers), 200)
    assert (listing["items"], listing["total"]) == ([], 0), listing
