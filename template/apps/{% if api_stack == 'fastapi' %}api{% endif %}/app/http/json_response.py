"""JSON bodies with the charset the contract names: `application/json; charset=utf-8`."""

from __future__ import annotations

from fastapi.responses import JSONResponse


class JsonResponse(JSONResponse):
    media_type = "application/json; charset=utf-8"
