"""Register, log in, /users/me, refresh rotation with reuse detection, logout."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.harness.accounts import PASSWORD, Account, login, register, signed_up
from tests.harness.api_process import ApiProcess
from tests.harness.http import ISO_8601_UTC, assert_problem, assert_status, show, unique_email

pytestmark = pytest.mark.usefixtures("uses_auth")


def test_register_returns_the_public_user_only(client: httpx.Client) -> None:
    email = unique_email("register")
    response = client.post("auth/register", json={"email": email, "password": PASSWORD})
    body = assert_status(response, 201)
    assert set(body) == {"id", "email", "createdAt"}, (
        f"no password or hash may leak{show(response)}"
    )
    assert body["email"] == email, show(response)
    assert ISO_8601_UTC.match(body["createdAt"]), show(response)


def test_registering_an_existing_email_conflicts(client: httpx.Client) -> None:
    account = register(client, "twice")
    response = client.post("auth/register", json={"email": account.email, "password": PASSWORD})
    assert_problem(response, 409, instance="/api/v1/auth/register")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "short@contract.example.test", "password": "x" * 11}, "password"),
        ({"email": "long@contract.example.test", "password": "x" * 129}, "password"),
        ({"email": "role@contract.example.test", "password": PASSWORD, "role": "admin"}, "role"),
    ],
    ids=["bad-email", "password-11-chars", "password-129-chars", "mass-assignment"],
)
def test_invalid_registrations_are_named(
    client: httpx.Client, payload: dict[str, str], field: str
) -> None:
    response = client.post("auth/register", json=payload)
    assert_problem(response, 400, instance="/api/v1/auth/register", fields=[field])


def test_password_length_bounds_are_inclusive(client: httpx.Client) -> None:
    for length in (12, 128):
        response = client.post(
            "auth/register", json={"email": unique_email("bound"), "password": "p" * length}
        )
        assert_status(response, 201)


def test_login_returns_a_bearer_pair(api: ApiProcess, client: httpx.Client) -> None:
    account = register(client, "login")
    tokens = login(client, account)
    assert tokens["tokenType"] == "Bearer", tokens
    assert tokens["expiresIn"] == int(api.settings["JWT_ACCESS_TTL_SECONDS"]), tokens
    assert str(tokens["accessToken"]).count(".") == 2, f"the access token is a JWT: {tokens}"
    # Opaque and random: long enough that guessing one is hopeless.
    assert len(str(tokens["refreshToken"])) >= 32, tokens


def test_wrong_password_and_unknown_email_look_the_same(client: httpx.Client) -> None:
    account = register(client, "enum")
    wrong_password = client.post(
        "auth/login", json={"email": account.email, "password": "wrong " + PASSWORD}
    )
    unknown_email = client.post(
        "auth/login", json={"email": unique_email("ghost"), "password": PASSWORD}
    )
    first = assert_problem(wrong_password, 401, instance="/api/v1/auth/login")
    second = assert_problem(unknown_email, 401, instance="/api/v1/auth/login")
    assert first["detail"] == second["detail"], "the message must not reveal which e-mails exist"


def test_me_returns_the_logged_in_user(client: httpx.Client, account: Account) -> None:
    response = client.get("users/me", headers=account.headers)
    assert assert_status(response, 200) == account.created, show(response)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Token abc"],
    ids=["missing", "empty-bearer", "malformed", "basic", "other-scheme"],
)
def test_me_rejects_missing_or_malformed_tokens(
    client: httpx.Client, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    assert_problem(client.get("users/me", headers=headers), 401, instance="/api/v1/users/me")


def test_refresh_rotates_the_pair(client: httpx.Client, account: Account) -> None:
    response = client.post("auth/refresh", json={"refreshToken": account.refresh_token})
    fresh = assert_status(response, 200)
    assert set(fresh) >= {"accessToken", "refreshToken", "tokenType", "expiresIn"}, show(response)
    assert fresh["refreshToken"] != account.refresh_token, show(response)
    assert_status(
        client.get("users/me", headers={"Authorization": f"Bearer {fresh['accessToken']}"}), 200
    )


def test_reusing_a_refresh_token_revokes_its_whole_family(
    client: httpx.Client, account: Account
) -> None:
    stolen = account.refresh_token
    rotated = assert_status(client.post("auth/refresh", json={"refreshToken": stolen}), 200)

    # The attacker (or the victim) presents the spent token again: reuse.
    reuse = client.post("auth/refresh", json={"refreshToken": stolen})
    assert_problem(reuse, 401, instance="/api/v1/auth/refresh")

    # Every token of the family is dead now, including the one issued before the reuse.
    after = client.post("auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert_problem(after, 401, instance="/api/v1/auth/refresh")


def test_reuse_in_one_family_leaves_other_sessions_alone(
    client: httpx.Client, new_client: Callable[..., httpx.Client]
) -> None:
    laptop = signed_up(new_client(), "families")
    phone_tokens = login(client, laptop)  # a second login: a second family
    assert_status(client.post("auth/refresh", json={"refreshToken": laptop.refresh_token}), 200)
    assert_problem(client.post("auth/refresh", json={"refreshToken": laptop.refresh_token}), 401)
    response = client.post("auth/refresh", json={"refreshToken": phone_tokens["refreshToken"]})
    assert_status(response, 200)


def test_unknown_refresh_token_is_rejected(client: httpx.Client) -> None:
    response = client.post("auth/refresh", json={"refreshToken": "x" * 64})
    assert_problem(response, 401, instance="/api/v1/auth/refresh")


def test_logout_revokes_the_family(client: httpx.Client, account: Account) -> None:
    rotated = assert_status(
        client.post("auth/refresh", json={"refreshToken": account.refresh_token}), 200
    )
    response = client.post("auth/logout", json={"refreshToken": rotated["refreshToken"]})
    assert response.status_code == 204, show(response)
    assert response.content == b"", show(response)
    after = client.post("auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert_problem(after, 401, instance="/api/v1/auth/refresh")


def test_refresh_requires_the_token_field(client: httpx.Client) -> None:
    response = client.post("auth/refresh", json={})
    assert_problem(response, 400, instance="/api/v1/auth/refresh", fields=["refreshToken"])
