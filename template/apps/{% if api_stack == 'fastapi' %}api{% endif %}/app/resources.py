"""Connections the app holds for its lifetime: the database pool and the Redis client.

Both connect lazily, so creating them at app construction costs nothing; the lifespan in
app/main.py closes them on shutdown.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.db.engine import create_engine, create_sessionmaker

REDIS_TIMEOUT_SECONDS = 2.0


@dataclass
class Resources:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        engine = create_engine(settings)
        redis = Redis.from_url(
            settings.redis_url.get_secret_value(),
            # A dead Redis must fail fast (readiness answers within seconds, never hangs).
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
        return cls(engine=engine, sessions=create_sessionmaker(engine), redis=redis)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()
