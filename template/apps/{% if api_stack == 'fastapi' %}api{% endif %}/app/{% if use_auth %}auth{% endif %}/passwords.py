"""argon2id password hashes (argon2-cffi's defaults follow RFC 9106's recommendation).

Hashing is deliberately slow CPU work: it runs in a worker thread so the event loop keeps
serving other requests meanwhile.
"""

from __future__ import annotations

import secrets
from functools import cache

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _decoy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures take the same time.
    Made on first use rather than at import: hashing is slow, start-up should not be."""
    return _hasher.hash(secrets.token_urlsafe(32))


async def hash_password(password: str) -> str:
    return await to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _decoy_hash(), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await to_thread.run_sync(verify)
