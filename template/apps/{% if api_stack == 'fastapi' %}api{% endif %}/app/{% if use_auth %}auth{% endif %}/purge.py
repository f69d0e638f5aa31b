"""The periodic purge of refresh-token rows nobody can use any more (app/jobs.py runs it)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.refresh_tokens import purge_expired

logger = structlog.get_logger("auth")


async def purge_refresh_tokens(
    sessions: async_sessionmaker[AsyncSession], retention_seconds: int
) -> None:
    async with sessions() as session:
        deleted = await purge_expired(session, retention_seconds)
    if deleted:
        logger.info("expired refresh tokens purged", count=deleted)
