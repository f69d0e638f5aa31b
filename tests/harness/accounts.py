"""Users of the API under test: register, log in, and the Bearer header notes need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.harness.http import assert_status, unique_email

PASSWORD = "correct horse battery staple"  # 28 characters: inside 12-128


@dataclass
class Account:
    email: str
    password: str
    id: str
    created: dict[str, Any]
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def access_token(self) -> str:
        return str(self.tokens["accessToken"])

    @property
    def refresh_token(self) -> str:
        return str(self.tokens["refreshToken"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(http: httpx.Client, tag: str = "user", password: str = PASSWORD) -> Account:
    email = unique_email(tag)
    body = assert_status(
        http.post("auth/register", json={"email": email, "password": password}), 201
    )
    return Account(email=email, password=password, id=str(body["id"]), created=body)


def login(http: httpx.Client, account: Account) -> dict[str, Any]:
    response = http.post("auth/login", json={"email": account.email, "password": account.password})
    tokens: dict[str, Any] = assert_status(response, 200)
    return tokens


def signed_up(http: httpx.Client, tag: str = "user") -> Account:
    """A registered account holding a fresh token pair (its own refresh-token family)."""
    account = register(http, tag)
    account.tokens = login(http, account)
    return account
