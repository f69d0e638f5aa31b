"""Short-lived JWT access tokens (HS256, PyJWT)."""

from __future__ import annotations

import time
import uuid

import jwt

ALGORITHM = "HS256"
ACCESS_TYPE = "access"


class InvalidAccessToken(Exception):
    pass


def issue_access_token(user_id: uuid.UUID, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "typ": ACCESS_TYPE, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(token: str, secret: str) -> uuid.UUID:
    """The user id of a valid token; expired, forged, unsigned or malformed ones raise."""
    try:
        # Only HS256 is accepted: an "alg": "none" token or a swapped algorithm fails here.
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        if claims.get("typ") != ACCESS_TYPE:
            raise InvalidAccessToken("not an access token")
        return uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError) as error:
        raise InvalidAccessToken(str(error)) from error
