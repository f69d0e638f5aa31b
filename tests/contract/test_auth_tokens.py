"""Access tokens: expired, forged or unsigned ones get 401.

The forgeries copy every claim of a real token, so the only difference the API can see is
the one under test; a control token re-signed with the real secret must still work.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.harness import jwt
from tests.harness.accounts import Account
from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_problem, assert_status

pytestmark = pytest.mark.usefixtures("uses_auth")


def test_the_real_token_is_hs256(account: Account) -> None:
    assert jwt.header(account.access_token)["alg"] == "HS256"


def test_resigned_control_token_is_accepted(
    api: ApiProcess, client: httpx.Client, account: Account
) -> None:
    # Proves the forging below is faithful: same claims, real secret, still valid.
    token = jwt.sign(jwt.claims(account.access_token), api.settings["JWT_ACCESS_SECRET"])
    assert_status(client.get("users/me", headers={"Authorization": f"Bearer {token}"}), 200)


def test_expired_token_is_rejected(api: ApiProcess, client: httpx.Client, account: Account) -> None:
    payload = jwt.claims(account.access_token)
    now = int(time.time())
    payload |= {"iat": now - 3600, "exp": now - 60}
    if "nbf" in payload:
        payload["nbf"] = now - 3600
    token = jwt.sign(payload, api.settings["JWT_ACCESS_SECRET"])
    assert_problem(client.get("users/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_token_signed_with_another_key_is_rejected(client: httpx.Client, account: Account) -> None:
    token = jwt.sign(jwt.claims(account.access_token), "an-attacker-chosen-secret-of-32-chars!")
    assert_problem(client.get("users/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_unsigned_token_is_rejected(client: httpx.Client, account: Account) -> None:
    token = jwt.sign(jwt.claims(account.access_token), "", alg="none")
    assert_problem(client.get("users/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_refresh_token_is_not_an_access_token(client: httpx.Client, account: Account) -> None:
    response = client.get("users/me", headers={"Authorization": f"Bearer {account.refresh_token}"})
    assert_problem(response, 401)
