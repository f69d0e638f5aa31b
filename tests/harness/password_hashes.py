"""Users' stored password hashes, read and written in the API's database directly: what a
deployment made before the argon2 parameters changed, and what a login leaves there."""

from __future__ import annotations

import psycopg

from tests.harness.accounts import PASSWORD

# What both stacks use now (docs/http-contract.md): argon2id, 19 MiB, 2 passes, 1 lane.
CURRENT_PARAMETERS = {"m": 19456, "t": 2, "p": 1}
# The libraries' own defaults, which both stacks used before: 64 MiB, 3 passes, 4 lanes
# (argon2-cffi's PasswordHasher() and node-argon2's hash() agree on them).
LEGACY_PARAMETERS = {"m": 65536, "t": 3, "p": 4}
# accounts.PASSWORD hashed with them, once, by argon2-cffi 25.1:
#   PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
# A fixed input (argon2 salts each hash, so a fresh one could not be compared anyway).
LEGACY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$WvALdcgqe/S/nbZ6ZxZUFg$"
    "kuwhwW/uzZHOq3uxWPukCf6Xxlph5fc566UED451Rto"
)
LEGACY_PASSWORD = PASSWORD


def parameters(phc_hash: str) -> dict[str, int]:
    """m, t and p of a PHC string `$argon2id$v=19$m=...,t=...,p=...$salt$hash` (node-argon2
    writes them in another order than argon2-cffi: `m=...,p=...,t=...`)."""
    fields = phc_hash.split("$")
    if len(fields) != 6 or not fields[1].startswith("argon2"):
        raise ValueError(f"not an argon2 PHC string: {phc_hash[:40]!r}")
    pairs = (item.split("=", 1) for item in fields[3].split(","))
    return {name: int(value) for name, value in pairs}


def stored_hash(database_url: str, email: str) -> str:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT password_hash FROM users WHERE lower(email) = lower(%s)", [email]
        ).fetchone()
    if row is None:
        raise LookupError(f"no user {email} in the users table")
    return str(row[0])


def store_hash(database_url: str, email: str, password_hash: str) -> None:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        updated = conn.execute(
            "UPDATE users SET password_hash = %s WHERE lower(email) = lower(%s)",
            [password_hash, email],
        ).rowcount
    if updated != 1:
        raise LookupError(f"no user {email} in the users table")
