"""The Bearer access token of a request, as the id of the user it was issued to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.access_tokens import InvalidAccessToken, read_access_token
from app.dependencies import SettingsDep

# auto_error=False: a missing header gets the contract's 401 problem, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_user_id(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> uuid.UUID:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("a Bearer access token is required")
    try:
        return read_access_token(
            credentials.credentials, settings.jwt_access_secret.get_secret_value()
        )
    except InvalidAccessToken as error:
        raise unauthorized("the access token is invalid or expired") from error


# async def although it verifies a signature: an HMAC of a short token takes microseconds, less
# than the thread-pool hop FastAPI makes for a plain `def` dependency.
CurrentUserId = Annotated[uuid.UUID, Depends(current_user_id)]
