"""Short-lived JWT access tokens (HS256, PyJWT).

A client sends the same token with every request for its lifetime, so the claims of tokens
that verified are kept (a bounded LRU, keyed by token and secret): a request with a known token
costs a dictionary lookup and the expiry check instead of PyJWT's decode and HMAC. Tokens that
fail verification are never kept.
"""

from __future__ import annotations

import time
import uuid
from functools import lru_cache

import jwt

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
# Tokens whose claims are kept; beyond it the least recently used is dropped.
VERIFIED_TOKENS_KEPT = 4096


class InvalidAccessToken(Exception):
    pass


def issue_access_token(user_id: uuid.UUID, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "typ": ACCESS_TYPE, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(token: str, secret: str) -> uuid.UUID:
    """The user id of a valid token; expired, forged, unsigned or malformed ones raise."""
    try:
        user_id, expires_at = _verified_claims(token, secret)
    except (jwt.PyJWTError, ValueError) as error:
        raise InvalidAccessToken(str(error)) from error
    # PyJWT's own test, repeated for a kept token: expired once `exp` is not after now.
    if expires_at <= int(time.time()):
        raise InvalidAccessToken("Signature has expired")
    return user_id


@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified_claims(token: str, secret: str) -> tuple[uuid.UUID, int]:
    """The user id and expiry of a token whose signature and claims verify; raises otherwise
    (and lru_cache keeps nothing)."""
    # Only HS256 is accepted: an "alg": "none" token or a swapped algorithm fails here.
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    if claims.get("typ") != ACCESS_TYPE:
        raise InvalidAccessToken("not an access token")
    return uuid.UUID(str(claims["sub"])), int(claims["exp"])
