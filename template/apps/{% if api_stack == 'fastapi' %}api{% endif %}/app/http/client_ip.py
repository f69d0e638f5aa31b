"""The client's address for rate limiting, honouring TRUST_PROXY hops of X-Forwarded-For.

With TRUST_PROXY=0 the header is client input and ignored (anyone could pick their bucket).
With N trusted proxies, each appended the address it saw, so the client is the N-th address
from the right of [X-Forwarded-For..., peer].
"""

from __future__ import annotations

from starlette.types import Scope


def client_ip(scope: Scope, trusted_hops: int) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if trusted_hops == 0:
        return peer
    forwarded = b",".join(v for k, v in scope["headers"] if k == b"x-forwarded-for")
    chain = [part.strip() for part in forwarded.decode("latin-1").split(",") if part.strip()]
    chain.append(peer)
    return chain[max(len(chain) - 1 - trusted_hops, 0)]
