"""Readiness checks: each dependency answers within a deadline or counts as down."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

CHECK_TIMEOUT_SECONDS = 2.0


async def check_postgres(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def check_redis(redis: Redis) -> None:
    await redis.ping()


async def run_check(check: Any) -> dict[str, str]:
    try:
        await asyncio.wait_for(check, timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return {"status": "down", "message": f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"}
    except Exception as error:  # noqa: BLE001 - any failure is "down", with its message
        return {"status": "down", "message": str(error) or type(error).__name__}
    return {"status": "up"}
