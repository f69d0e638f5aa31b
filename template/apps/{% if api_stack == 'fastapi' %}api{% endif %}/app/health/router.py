"""GET /health (liveness: never touches a dependency) and GET /health/ready (PostgreSQL and
Redis; 503 naming each failed check, or "shutting_down" once SIGTERM arrived)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from app.dependencies import get_resources
from app.health.checks import check_postgres, check_redis, run_check
from app.http.json_response import JsonResponse
from app.paths import API_PREFIX
from app.resources import Resources

router = APIRouter(prefix=f"{API_PREFIX}/health", tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "error", "shutting_down"]
    details: dict[str, dict[str, str]]


@router.get("", response_model=Liveness)
async def liveness() -> JsonResponse:
    return JsonResponse({"status": "ok"})


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
async def readiness(
    request: Request, resources: Annotated[Resources, Depends(get_resources)]
) -> JsonResponse:
    if request.app.state.shutdown.shutting_down:
        # At once, without waiting on any check: Traefik must stop routing here now.
        return JsonResponse({"status": "shutting_down", "details": {}}, status_code=503)
    postgres, redis = await asyncio.gather(
        run_check(check_postgres(resources.engine)), run_check(check_redis(resources.redis))
    )
    details: dict[str, Any] = {"postgres": postgres, "redis": redis}
    healthy = all(check["status"] == "up" for check in details.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "details": details},
        status_code=200 if healthy else 503,
    )
