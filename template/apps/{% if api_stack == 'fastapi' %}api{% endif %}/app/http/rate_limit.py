"""Per-client rate limits kept in Redis (shared by every API process), via `limits`.

RATE_LIMIT_MAX requests per RATE_LIMIT_TTL_SECONDS window. Two /auth/* buckets of their own:
login and register the strict AUTH_RATE_LIMIT_MAX (each is a password guess or an argon2 hash);
refresh and logout the generous AUTH_REFRESH_RATE_LIMIT_MAX, so an office behind one NAT
address is not locked out of keeping its sessions alive by its own logins. The client is an
IPv4 address or an IPv6 /64 (app/http/client_network.py). Health checks and metrics are never
limited. Over the limit: 429 with Retry-After in whole seconds. If Redis is unreachable,
requests pass (fail open): the readiness check reports Redis down, and an outage of the
limiter must not become one of the API.
"""

from __future__ import annotations

import math
import time
from typing import Any

import structlog
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import Redis
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.client_ip import client_ip
from app.http.client_network import client_network
from app.http.problems import problem_response

logger = structlog.get_logger("rate_limit")


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        redis: Redis,
        prefix: str,
        window_seconds: int,
        limit: int,
        auth_limit: int,
        auth_refresh_limit: int,
        trusted_hops: int,
    ) -> None:
        self.app = app
        # Shares the application's connection pool instead of opening a second one.
        shared_pool: dict[str, Any] = {"connection_pool": redis.connection_pool}
        storage = RedisStorage("async+redis://", implementation="redispy", **shared_pool)
        self.limiter = FixedWindowRateLimiter(storage)
        self.general = RateLimitItemPerSecond(limit, window_seconds, namespace="api")
        auth = RateLimitItemPerSecond(auth_limit, window_seconds, namespace="auth")
        refresh = RateLimitItemPerSecond(auth_refresh_limit, window_seconds, namespace="refresh")
        self.buckets = {
            f"{prefix}/auth/login": auth,
            f"{prefix}/auth/register": auth,
            f"{prefix}/auth/refresh": refresh,
            f"{prefix}/auth/logout": refresh,
        }
        self.exempt = (f"{prefix}/health", f"{prefix}/metrics")
        self.trusted_hops = trusted_hops

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        item = self.buckets.get(path, self.general)
        address = client_network(client_ip(scope, self.trusted_hops))
        try:
            allowed = await self.limiter.hit(item, address)
            retry_after = 0 if allowed else await self._seconds_to_reset(item, address)
        except Exception as error:  # noqa: BLE001 - any storage failure means "fail open"
            logger.warning("rate limiter unavailable, request allowed", error=str(error))
            allowed = True
        if allowed:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            429,
            path,
            f"rate limit of {item.amount} requests per {item.multiples} seconds exceeded",
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)

    async def _seconds_to_reset(self, item: RateLimitItemPerSecond, address: str) -> int:
        stats = await self.limiter.get_window_stats(item, address)
        return max(1, math.ceil(stats.reset_time - time.time()))
