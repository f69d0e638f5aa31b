"""argon2id password hashes, made and checked a bounded number at a time.

Parameters: OWASP's minimum for argon2id, m=19 MiB (19456 KiB), t=2 passes, p=1 lane; the
NestJS stack uses the same, so a database moves between stacks. Each hash or verification in
progress holds its memory cost: verifying a hash stored with the libraries' former defaults
(m=64 MiB, t=3, p=4) holds 64 MiB until that user's next login stores a new one.

Hashing is deliberately slow CPU work: it runs in a worker thread so the event loop keeps
serving meanwhile, but never in more than HASHING_SLOTS threads at once. Without that
bound every login took one of anyio's 40 threads, each with its own argon2 memory: 16
concurrent logins reached 1 GiB in a container limited to 512 MB (compose.prod.yaml has the
arithmetic). Logins beyond the bound wait their turn, which costs them time, not memory.
"""

from __future__ import annotations

import secrets
from functools import cache

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MEMORY_COST_KIB = 19456  # 19 MiB per hash in progress
_hasher = PasswordHasher(time_cost=2, memory_cost=MEMORY_COST_KIB, parallelism=1)

# Two hashes at once keep two cores busy (p=1 is one thread each): more would not finish
# sooner on the default 2-vCPU server, only hold more memory.
HASHING_SLOTS = 2
_hashing = CapacityLimiter(HASHING_SLOTS)


@cache
def _decoy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures take the same time.
    Made on first use rather than at import: hashing is slow, start-up should not be."""
    return _hasher.hash(secrets.token_urlsafe(32))


async def hash_password(password: str) -> str:
    return await to_thread.run_sync(_hasher.hash, password, limiter=_hashing)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _decoy_hash(), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await to_thread.run_sync(verify, limiter=_hashing)


def needs_rehash(password_hash: str) -> bool:
    """Made with other parameters than today's: store a new hash while the password is known
    (at a successful login), so every user moves to the current cost."""
    return _hasher.check_needs_rehash(password_hash)
