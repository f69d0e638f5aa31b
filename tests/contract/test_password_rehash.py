"""Hashes stored with older argon2 parameters keep working, and a login replaces them.

Users of a deployment made before the parameters changed hold hashes of the libraries' former
defaults (64 MiB, 3 passes, 4 lanes). They must still log in, and their first successful
login must store a hash of today's parameters (docs/http-contract.md), read back from the
users table itself. A wrong password must leave the old hash alone.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.harness.accounts import register
from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_status
from tests.harness.password_hashes import (
    CURRENT_PARAMETERS,
    LEGACY_HASH,
    LEGACY_PARAMETERS,
    LEGACY_PASSWORD,
    parameters,
    store_hash,
    stored_hash,
)

pytestmark = pytest.mark.usefixtures("uses_auth")


def test_a_hash_of_the_former_parameters_logs_in_and_is_replaced(
    api: ApiProcess, new_client: Callable[..., httpx.Client]
) -> None:
    database = api.settings["DATABASE_URL"]
    account = register(new_client(), "legacy-hash", password=LEGACY_PASSWORD)
    assert parameters(stored_hash(database, account.email)) == CURRENT_PARAMETERS, (
        "a new registration should be hashed with today's parameters"
    )
    store_hash(database, account.email, LEGACY_HASH)
    http = new_client()

    wrong = http.post("auth/login", json={"email": account.email, "password": "not it at all"})
    assert_status(wrong, 401)
    assert stored_hash(database, account.email) == LEGACY_HASH, (
        "a failed login must not touch the stored hash"
    )

    right = http.post("auth/login", json={"email": account.email, "password": LEGACY_PASSWORD})
    tokens = assert_status(right, 200)
    assert tokens["accessToken"]
    rehashed = stored_hash(database, account.email)
    assert parameters(rehashed) == CURRENT_PARAMETERS, (
        f"after a login the hash should use {CURRENT_PARAMETERS}, "
        f"not {parameters(rehashed)} (it was {LEGACY_PARAMETERS})"
    )
    assert rehashed.startswith("$argon2id$v=19$"), rehashed[:40]

    again = http.post("auth/login", json={"email": account.email, "password": LEGACY_PASSWORD})
    assert_status(again, 200)
    assert stored_hash(database, account.email) == rehashed, (
        "a hash of today's parameters must not be replaced again"
    )
