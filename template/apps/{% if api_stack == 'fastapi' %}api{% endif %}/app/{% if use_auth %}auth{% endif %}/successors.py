"""The refresh token that replaces a spent one: derived from it, not drawn at random.

Two tabs, or a retry after a timeout, may present one token twice within seconds. Both must
get the same successor, yet the database keeps only SHA-256 hashes, so the successor cannot
be read back. Deriving it as HMAC-SHA256(key, parent) makes it reproducible by any replica
without storing anything secret (the alternative, an encrypted copy in a short-lived cache,
needs a second store and a second key). The key matters: unkeyed, anyone holding a spent
token could compute its successor, and a copy of the table (which holds the hashes) would
reveal live tokens.

The key is derived from JWT_ACCESS_SECRET rather than being a new secret to generate, store
and rotate; labelling the derivation keeps it apart from the JWT signing key. Rotating that
secret changes successors: a retry straddling the rotation finds none and gets a 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_LABEL = b"refresh-token successor v1"


def successor_of(token: str, secret: str) -> str:
    key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
    digest = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
