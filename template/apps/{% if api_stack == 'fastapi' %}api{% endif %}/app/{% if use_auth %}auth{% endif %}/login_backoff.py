"""Per-account login backoff: failed logins of one e-mail, from any address, lock it a while.

Counted per e-mail whether an account has it or not, so no answer tells which e-mails are
registered: after LOGIN_BACKOFF_AFTER_FAILURES failures in a row, logins of that e-mail get 429
with Retry-After for LOGIN_BACKOFF_SECONDS, doubled by every further failure up to
LOGIN_BACKOFF_MAX_SECONDS. While locked, the password is not even checked, so the answer cannot
depend on it. A successful login starts the count afresh; a day without failures forgets them.

The per-client limits (app/http/rate_limit.py) slow one address down; this slows down guessing
one account's password from many addresses. Redis holds an HMAC of the e-mail (keyed with
JWT_ACCESS_SECRET), never the e-mail: its keys neither list who tried to log in nor confirm a
guessed address. If Redis is unreachable, logins go on unchecked (fail open), like the limits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Annotated

import structlog
from fastapi import Depends, HTTPException, status
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.config import Settings
from app.dependencies import RedisDep, SettingsDep

logger = structlog.get_logger("login_backoff")

TOO_MANY_FAILURES = "too many failed logins for this e-mail address: retry later"
FAILURES_FORGOTTEN_AFTER_MS = 24 * 3600 * 1000

# One atomic step per attempt, counted before the password check: a burst of parallel
# guesses cannot all slip in before the first failure is recorded. The lock it sets holds its
# own length, so that a failure can restart it (below): it then runs from the 401 answer.
# KEYS: failures in a row, lock. ARGV: failures allowed, first lock, longest lock, memory (ms).
# Returns the milliseconds the e-mail stays locked, or 0: go ahead (and the attempt counts).
ATTEMPT = """
local locked_ms = redis.call('PTTL', KEYS[2])
if locked_ms > 0 then return locked_ms end
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = failures - tonumber(ARGV[1])
if over >= 0 then
  local lock_ms = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ over, tonumber(ARGV[3])))
  redis.call('SET', KEYS[2], lock_ms, 'PX', lock_ms)
end
return 0
"""
# KEYS: the lock. After a failed check: the lock, if the attempt set one, starts now.
RESTART_LOCK = """
local lock_ms = redis.call('GET', KEYS[1])
if lock_ms then redis.call('PEXPIRE', KEYS[1], lock_ms) end
return 0
"""


class LoginBackoff:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.attempt = redis.register_script(ATTEMPT)
        self.restart_lock = redis.register_script(RESTART_LOCK)
        self.key_secret = settings.jwt_access_secret.get_secret_value().encode()
        self.limits = (
            settings.login_backoff_after_failures,
            settings.login_backoff_seconds * 1000,
            settings.login_backoff_max_seconds * 1000,
            FAILURES_FORGOTTEN_AFTER_MS,
        )

    async def admit(self, email: str) -> None:
        """Count a login attempt of `email`, or refuse it (429) while the e-mail is locked."""
        try:
            locked_ms = int(await self.attempt(keys=self._keys(email), args=self.limits))
        except RedisError as error:
            logger.warning("login backoff unavailable, login allowed", error=str(error))
            return
        if locked_ms > 0:
            retry_after = str(max(1, math.ceil(locked_ms / 1000)))
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                TOO_MANY_FAILURES,
                headers={"Retry-After": retry_after},
            )

    async def failed(self, email: str) -> None:
        """After a wrong password or an unknown e-mail: a lock starts from this answer."""
        try:
            await self.restart_lock(keys=self._keys(email)[1:])
        except RedisError as error:
            logger.warning("login backoff unavailable, lock not restarted", error=str(error))

    async def reset(self, email: str) -> None:
        """After a successful login: the next failure is the first again."""
        try:
            await self.redis.delete(*self._keys(email))
        except RedisError as error:
            logger.warning("login backoff unavailable, failures not reset", error=str(error))

    def _keys(self, email: str) -> list[str]:
        normalised = email.strip().lower().encode()
        digest = hmac.new(self.key_secret, b"login-backoff:" + normalised, hashlib.sha256)
        # {...}: both keys of one e-mail in one Redis Cluster slot, as a script needs.
        tag = f"login-backoff:{{{digest.hexdigest()}}}"
        return [f"{tag}:failures", f"{tag}:lock"]


async def get_login_backoff(redis: RedisDep, settings: SettingsDep) -> LoginBackoff:
    return LoginBackoff(redis, settings)


LoginBackoffDep = Annotated[LoginBackoff, Depends(get_login_backoff)]
