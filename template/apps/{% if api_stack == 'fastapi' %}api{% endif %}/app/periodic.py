"""Jobs the API process repeats while it runs (app/jobs.py lists them).

A plain asyncio task per job, started and cancelled by the app's lifespan: the jobs are few
and short, so a scheduler library (APScheduler and the like) would add a dependency and
nothing else. Every replica runs every job, so a job must be harmless to run twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

logger = structlog.get_logger("periodic")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[None]]

    async def repeat(self) -> None:
        # First at start-up: with deploys more frequent than the interval, waiting first
        # could mean never running at all.
        while True:
            try:
                await self.run()
            except Exception as error:  # noqa: BLE001 - a failed round must not end the job
                logger.warning("periodic job failed", job=self.name, error=repr(error))
            await asyncio.sleep(self.interval_seconds)


@contextlib.asynccontextmanager
async def running(jobs: Sequence[PeriodicJob]) -> AsyncIterator[None]:
    """Run `jobs` in the background for the duration of the block."""
    tasks = [asyncio.create_task(job.repeat(), name=job.name) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
