"""Without use_auth the auth routes do not exist and notes are public."""

from __future__ import annotations

import httpx
import pytest

from tests.harness.answer_sets import RuntimeCase
from tests.harness.http import assert_problem, assert_status


@pytest.fixture(autouse=True)
def _only_without_auth(runtime_case: RuntimeCase) -> None:
    if runtime_case.use_auth:
        pytest.skip(f"{runtime_case.id}: use_auth=true, test_auth*.py covers the routes")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "auth/register"),
        ("POST", "auth/login"),
        ("POST", "auth/refresh"),
        ("POST", "auth/logout"),
        ("GET", "users/me"),
    ],
)
def test_auth_routes_do_not_exist(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, json={"email": "a@b.test", "password": "x" * 12})
    assert_problem(response, 404, instance=f"/api/v1/{path}")


def test_notes_are_public(client: httpx.Client) -> None:
    created = assert_status(client.post("notes", json={"title": "public", "body": "b"}), 201)
    assert_status(client.get(f"notes/{created['id']}"), 200)
