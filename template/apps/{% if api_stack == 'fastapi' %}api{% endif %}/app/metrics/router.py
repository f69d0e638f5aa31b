"""GET /metrics: Prometheus text format for the scraper (not rate-limited, not recorded)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from app.paths import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
