"""Request-scoped dependencies shared by the feature routers.

Dependencies that neither block nor compute much are `async def`: FastAPI calls a plain `def`
dependency in its thread pool, a hop that costs far more than the dependency itself (it was
most of the CPU time of a cached GET /notes). Anything that does block (argon2 hashing) runs
in the thread pool explicitly.

They take the request and read the app's state themselves (`resources_of`, `settings_of`)
rather than depend on a dependency for it: FastAPI resolves every dependency of a route on
every request, and that resolution, not what the dependency does, was the largest cost of a
cached GET /notes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.resources import Resources


def resources_of(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_resources(request: Request) -> Resources:
    return resources_of(request)


async def get_settings(request: Request) -> Settings:
    return settings_of(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with resources_of(request).sessions() as session:
        yield session


async def get_redis(request: Request) -> Redis:
    return resources_of(request).redis


SessionDep = Annotated[AsyncSession, Depends(get_session)]
RedisDep = Annotated[Redis, Depends(get_redis)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
