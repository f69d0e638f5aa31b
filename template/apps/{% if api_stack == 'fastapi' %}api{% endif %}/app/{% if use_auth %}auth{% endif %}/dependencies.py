"""The Bearer access token of a request, as the id of the user it was issued to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from app.auth.access_tokens import InvalidAccessToken, read_access_token
from app.dependencies import settings_of


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


class BearerAccessToken(SecurityBase):
    """The `HTTPBearer` security scheme of the OpenAPI document, as fastapi.security.HTTPBearer
    declares it, resolved to the id of the token's user; a 401 problem without a valid one
    (not FastAPI's 403 for a missing header).

    One dependency where HTTPBearer would need a second one to read its credentials: FastAPI
    resolves every dependency of a route on every request (a shared one once per dependant
    that uses it), and that resolution costs more than the token check.
    """

    def __init__(self, description: str) -> None:
        self.model = HTTPBearerModel(description=description)
        self.scheme_name = "HTTPBearer"

    # async def although it verifies a signature: an HMAC of a short token takes microseconds
    # (and a token already seen is not verified again, app/auth/access_tokens.py), less than
    # the thread-pool hop FastAPI makes for a plain `def` dependency.
    async def __call__(self, request: Request) -> uuid.UUID:
        scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
        if not token or scheme.lower() != "bearer":
            raise unauthorized("a Bearer access token is required")
        try:
            return read_access_token(
                token, settings_of(request).jwt_access_secret.get_secret_value()
            )
        except InvalidAccessToken as error:
            raise unauthorized("the access token is invalid or expired") from error


current_user_id = BearerAccessToken(description="Access token from POST /auth/login")
CurrentUserId = Annotated[uuid.UUID, Depends(current_user_id)]
