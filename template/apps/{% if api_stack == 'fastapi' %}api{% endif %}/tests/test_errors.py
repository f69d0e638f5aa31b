"""Problem details: validation names fields, unknown routes are 404, big bodies are 413."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

PROBLEM = "application/problem+json"


async def test_unknown_fields_are_named(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "notes", json={"title": "t", "body": "b", "nickname": "x"}, headers=auth_headers
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["errors"] == [
        {"field": "nickname", "message": "property nickname should not exist"}
    ]
    assert problem["instance"] == "/api/v1/notes"
    assert problem["title"] == "Bad Request"


async def test_invalid_json_is_400(client: httpx.AsyncClient, auth_headers: dict[str, str]) -> None:
    response = await client.post(
        "notes", content=b'{"title": ', headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_bad_query_parameters_use_the_wire_name(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.get("notes?pageSize=101", headers=auth_headers)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["pageSize"]


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("no-such-route")
    assert response.status_code == 404
    assert response.json()["instance"] == "/api/v1/no-such-route"
    assert "errors" not in response.json()


async def test_declared_oversize_body_is_413(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "notes", content=b"x" * 5000, headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_streamed_oversize_body_is_413(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked upload
        for _ in range(10):
            yield b"x" * 1000

    response = await client.post(
        "notes", content=chunks(), headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
