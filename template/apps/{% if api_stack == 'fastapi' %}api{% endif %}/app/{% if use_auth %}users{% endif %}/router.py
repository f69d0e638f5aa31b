"""GET /users/me: the user the access token belongs to."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from app.auth.dependencies import CurrentUserId
from app.dependencies import SessionDep
from app.paths import API_PREFIX
from app.users.models import User
from app.users.schemas import UserOut

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"])


@router.get("/me", response_model=UserOut)
async def me(user_id: CurrentUserId, session: SessionDep) -> User:
    user = await session.get(User, user_id)
    if user is None:  # deleted since the token was issued
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the user no longer exists")
    return user
