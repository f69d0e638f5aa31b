"""Refresh tokens under real clients: parallel refreshes with one token (two tabs, a retry
after a timeout) inside the grace window, reuse after it, and the purge of old rows.

Against an API instance of its own, on the suite's database, with a short grace window and
a purge every second, so the tests wait seconds rather than the defaults' minutes. The purge
test reads and writes the database directly (psycopg), through the columns both stacks share.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from tests.harness.accounts import Account, signed_up
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_problem, assert_status, client

GRACE_SECONDS = 3
PURGE_RETENTION_SECONDS = 600
PARALLEL = 4


@pytest.fixture(scope="module")
def refresh_api(running_api: ApiProcess, runtime_case: RuntimeCase) -> Iterator[ApiProcess]:
    if not runtime_case.use_auth:
        pytest.skip(f"{runtime_case.id}: use_auth=false, no refresh tokens")
    instance = ApiProcess.for_project(
        running_api.project,
        name="refresh",
        REFRESH_TOKEN_REUSE_GRACE_SECONDS=str(GRACE_SECONDS),
        REFRESH_TOKEN_PURGE_INTERVAL_SECONDS="1",
        REFRESH_TOKEN_PURGE_RETENTION_SECONDS=str(PURGE_RETENTION_SECONDS),
    )
    instance.start()
    yield instance
    instance.stop()


def refresh(api: ApiProcess, token: str) -> httpx.Response:
    with client(api.base_url) as http:
        return http.post("auth/refresh", json={"refreshToken": token})


def new_account(api: ApiProcess, tag: str) -> Account:
    with client(api.base_url) as http:
        return signed_up(http, tag)


def test_parallel_refreshes_with_one_token_all_get_the_same_successor(
    refresh_api: ApiProcess,
) -> None:
    token = new_account(refresh_api, "tabs").refresh_token
    barrier = threading.Barrier(PARALLEL)

    def refresh_at_once(_: int) -> httpx.Response:
        # Each from its own address, connected before the barrier, so the requests leave together.
        with client(refresh_api.base_url) as http:
            assert_status(http.get("health"), 200)
            barrier.wait(timeout=30)
            return http.post("auth/refresh", json={"refreshToken": token})

    with ThreadPoolExecutor(PARALLEL) as pool:
        responses = list(pool.map(refresh_at_once, range(PARALLEL)))

    bodies: list[dict[str, Any]] = [assert_status(response, 200) for response in responses]
    successors = {body["refreshToken"] for body in bodies}
    print(
        f"{PARALLEL} parallel refreshes: statuses {[r.status_code for r in responses]}, "
        f"{len(successors)} distinct successor(s)"
    )
    assert len(successors) == 1, f"one token, one successor: got {len(successors)}"
    successor = successors.pop()
    assert successor != token
    with client(refresh_api.base_url) as http:
        for body in bodies:
            me = http.get("users/me", headers={"Authorization": f"Bearer {body['accessToken']}"})
            assert_status(me, 200)
    # The family was not revoked: the successor still refreshes.
    assert_status(refresh(refresh_api, successor), 200)


def test_reuse_after_the_grace_window_revokes_the_family(refresh_api: ApiProcess) -> None:
    token = new_account(refresh_api, "late-reuse").refresh_token
    rotated = assert_status(refresh(refresh_api, token), 200)["refreshToken"]
    retried = assert_status(refresh(refresh_api, token), 200)["refreshToken"]
    assert retried == rotated, "a retry inside the window gets the same successor"

    time.sleep(GRACE_SECONDS + 1)
    assert_problem(refresh(refresh_api, token), 401, instance="/api/v1/auth/refresh")
    # Reuse revoked the whole family, the successor included.
    assert_problem(refresh(refresh_api, rotated), 401, instance="/api/v1/auth/refresh")


def stored_hashes(database_url: str, hashes: list[str]) -> set[str]:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT token_hash FROM refresh_tokens WHERE token_hash = ANY(%s)", [hashes]
        ).fetchall()
    return {row[0] for row in rows}


def test_purge_deletes_rows_expired_past_the_retention_only(refresh_api: ApiProcess) -> None:
    account = new_account(refresh_api, "purge")
    # name: (expires this many seconds from now, revoked)
    rows = {
        "expired past retention": (-PURGE_RETENTION_SECONDS - 3600, False),
        "revoked, expired past retention": (-PURGE_RETENTION_SECONDS - 60, True),
        "expired within retention": (-60, False),
        "revoked, not expired": (3600, True),
        "live": (3600, False),
    }
    hashes = {name: hashlib.sha256(f"{name} {uuid.uuid4()}".encode()).hexdigest() for name in rows}
    database_url = refresh_api.settings["DATABASE_URL"]
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        for name, (expires_in, revoked) in rows.items():
            conn.execute(
                "INSERT INTO refresh_tokens"
                " (id, user_id, family_id, token_hash, created_at, expires_at, revoked_at)"
                " VALUES (gen_random_uuid(), %s, gen_random_uuid(), %s, now(),"
                " now() + make_interval(secs => %s), CASE WHEN %s THEN now() END)",
                [account.id, hashes[name], expires_in, revoked],
            )

    purged = {hashes["expired past retention"], hashes["revoked, expired past retention"]}
    started = time.monotonic()
    deadline = started + 20
    while stored_hashes(database_url, list(purged)) and time.monotonic() < deadline:
        time.sleep(0.2)
    remaining = stored_hashes(database_url, list(hashes.values()))
    print(
        f"purge: {len(purged - remaining)} of {len(purged)} old rows gone after "
        f"{time.monotonic() - started:.1f}s, {len(remaining)} rows kept"
    )
    kept_names = sorted(name for name, value in hashes.items() if value in remaining)
    assert kept_names == ["expired within retention", "live", "revoked, not expired"]
    # The account's own (live) login token was left alone too.
    assert_status(refresh(refresh_api, account.refresh_token), 200)
