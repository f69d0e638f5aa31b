"""GET /notes: newest first, page/pageSize, total."""

from __future__ import annotations

import httpx

from tests.harness.http import assert_status, show

CREATED = 25


def create_notes(client: httpx.Client, headers: dict[str, str], tag: str) -> list[str]:
    ids = []
    for index in range(CREATED):
        note = assert_status(
            client.post("notes", json={"title": f"{tag} {index}", "body": ""}, headers=headers), 201
        )
        ids.append(note["id"])
    return ids


def test_pages_list_newest_first_with_a_total(
    client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    # Without auth the notes are shared, so count relative to what exists already.
    before = assert_status(client.get("notes?page=1&pageSize=1", headers=auth_headers), 200)[
        "total"
    ]
    ids = create_notes(client, auth_headers, "paged")
    newest_first = list(reversed(ids))

    first = client.get("notes?page=1&pageSize=10", headers=auth_headers)
    body = assert_status(first, 200)
    assert (body["page"], body["pageSize"]) == (1, 10), show(first)
    assert body["total"] == before + CREATED, show(first)
    assert [item["id"] for item in body["items"]] == newest_first[:10], show(first)

    third = assert_status(client.get("notes?page=3&pageSize=10", headers=auth_headers), 200)
    assert [item["id"] for item in third["items"]][:5] == newest_first[20:25], third
    assert len(third["items"]) == min(10, before + CREATED - 20), third


def test_defaults_are_page_1_of_20(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    create_notes(client, auth_headers, "defaults")
    response = client.get("notes", headers=auth_headers)
    body = assert_status(response, 200)
    assert (body["page"], body["pageSize"], len(body["items"])) == (1, 20, 20), show(response)


def test_page_size_bounds_are_inclusive(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    create_notes(client, auth_headers, "bounds")
    one = assert_status(client.get("notes?pageSize=1", headers=auth_headers), 200)
    assert (len(one["items"]), one["pageSize"]) == (1, 1), one
    hundred = assert_status(client.get("notes?pageSize=100", headers=auth_headers), 200)
    assert (hundred["pageSize"], len(hundred["items"])) == (100, min(100, hundred["total"])), (
        hundred
    )


def test_a_page_past_the_end_is_empty(client: httpx.Client, auth_headers: dict[str, str]) -> None:
    total = assert_status(client.get("notes?pageSize=1", headers=auth_headers), 200)["total"]
    page = total + 1
    response = client.get(f"notes?page={page}&pageSize=1", headers=auth_headers)
    body = assert_status(response, 200)
    assert (body["items"], body["total"], body["page"]) == ([], total, page), show(response)
