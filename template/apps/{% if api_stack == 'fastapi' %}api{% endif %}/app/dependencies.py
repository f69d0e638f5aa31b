"""Request-scoped dependencies shared by the feature routers.

Dependencies that neither block nor compute much are `async def`: FastAPI calls a plain `def`
dependency in its thread pool, a hop that costs far more than the dependency itself (it was
most of the CPU time of a cached GET /notes). Anything that does block (argon2 hashing) runs
in the thread pool explicitly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.resources import Resources


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(
    resources: Annotated[Resources, Depends(get_resources)],
) -> AsyncIterator[AsyncSession]:
    async with resources.sessions() as session:
        yield session


async def get_redis(resources: Annotated[Resources, Depends(get_resources)]) -> Redis:
    return resources.redis


SessionDep = Annotated[AsyncSession, Depends(get_session)]
RedisDep = Annotated[Redis, Depends(get_redis)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
