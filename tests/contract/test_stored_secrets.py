"""What the database keeps of a user's secrets: argon2id password hashes and SHA-256
hashes of refresh tokens, never the secrets themselves.

Not HTTP, but still black-box: every text and bytea column of every table is read, so the
test needs no knowledge of the schema.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.harness.accounts import Account, login
from tests.harness.api_process import ApiProcess
from tests.harness.database_roles import database_of, superuser_url
from tests.harness.http import assert_status, unique_email

pytestmark = pytest.mark.usefixtures("uses_auth")

STORED_TYPES = ("text", "character varying", "character", "bytea")


def every_stored_value(database_url: str) -> list[str | bytes]:
    values: list[str | bytes] = []
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            " AND data_type = ANY(%s)",
            [list(STORED_TYPES)],
        ).fetchall()
        for schema, table, column in columns:
            query = sql.SQL("SELECT {} FROM {}.{} WHERE {} IS NOT NULL").format(
                sql.Identifier(column),
                sql.Identifier(schema),
                sql.Identifier(table),
                sql.Identifier(column),
            )
            values.extend(
                bytes(row[0]) if isinstance(row[0], memoryview) else row[0]
                for row in conn.execute(query)
            )
    return values


def sha256_encodings(token: str) -> set[str | bytes]:
    digest = hashlib.sha256(token.encode()).digest()
    b64 = base64.b64encode(digest).decode()
    b64url = base64.urlsafe_b64encode(digest).decode()
    return {digest, digest.hex(), b64, b64.rstrip("="), b64url, b64url.rstrip("=")}


def test_only_hashes_are_stored(api: ApiProcess, client: httpx.Client) -> None:
    password = f"stored-secret-{uuid.uuid4().hex}"
    email = unique_email("stored")
    created = assert_status(
        client.post("auth/register", json={"email": email, "password": password}), 201
    )
    account = Account(email=email, password=password, id=created["id"], created=created)
    first = login(client, account)
    second = assert_status(
        client.post("auth/refresh", json={"refreshToken": first["refreshToken"]}), 200
    )

    # Read as the superuser: the API's role cannot see every schema (migration bookkeeping).
    values = every_stored_value(superuser_url(database_of(api.settings["DATABASE_URL"])))
    text = "\n".join(v for v in values if isinstance(v, str))
    raw = {
        "password": password,
        "refresh 1": first["refreshToken"],
        "refresh 2": second["refreshToken"],
    }
    stored_raw = sorted(name for name, secret in raw.items() if secret in text)
    assert not stored_raw, f"stored in clear text: {stored_raw}"

    assert any(isinstance(v, str) and v.startswith("$argon2id$") for v in values), (
        "no argon2id password hash ($argon2id$...) in any column"
    )
    for name in ("refresh 1", "refresh 2"):
        encodings = sha256_encodings(raw[name])
        assert any(v in encodings for v in values), f"no SHA-256 hash of {name} in any column"
