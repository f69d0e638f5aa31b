"""The async engine and its pool, sized and timed by the DB_POOL_* variables."""

from __future__ import annotations

from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings


def sqlalchemy_url(database_url: str) -> URL:
    """postgres://... (the contract's form, shared with psql and pg_dump) for asyncpg."""
    return make_url(database_url).set(drivername="postgresql+asyncpg")


def create_engine(settings: Settings) -> AsyncEngine:
    connect_timeout = settings.db_pool_connect_timeout_ms / 1000
    return create_async_engine(
        sqlalchemy_url(settings.database_url.get_secret_value()),
        pool_size=settings.db_pool_max,
        max_overflow=0,
        # Waiting for a free pooled connection counts against the connect timeout too.
        pool_timeout=connect_timeout,
        # QueuePool has no idle reaper; recycling after the idle timeout keeps connections
        # from outliving what PgBouncer or a firewall tolerates.
        pool_recycle=max(settings.db_pool_idle_timeout_ms / 1000, 1),
        # One cheap round trip per checkout, so a restarted PostgreSQL costs no failed request.
        pool_pre_ping=True,
        connect_args={"timeout": connect_timeout},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
