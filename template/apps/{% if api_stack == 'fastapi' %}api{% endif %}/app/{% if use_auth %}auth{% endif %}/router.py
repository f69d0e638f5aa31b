"""POST /auth/register, /auth/login, /auth/refresh, /auth/logout."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth import refresh_tokens
from app.auth.access_tokens import issue_access_token
from app.auth.dependencies import unauthorized
from app.auth.login_backoff import LoginBackoffDep
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.schemas import Credentials, LoginRequest, RefreshRequest, TokenPair
from app.config import Settings
from app.dependencies import SessionDep, SettingsDep
from app.http.problems import problem_responses
from app.paths import API_PREFIX
from app.users.models import User
from app.users.schemas import UserOut

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])

WRONG_CREDENTIALS = "wrong e-mail or password"


async def token_pair(
    session: SessionDep, settings: Settings, user_id: uuid.UUID, family_id: uuid.UUID
) -> TokenPair:
    refresh = await refresh_tokens.issue(
        session, user_id, family_id, settings.refresh_token_ttl_seconds
    )
    await session.commit()
    return pair_with(settings, user_id, refresh)


def pair_with(settings: Settings, user_id: uuid.UUID, refresh: str) -> TokenPair:
    """A fresh access token alongside the refresh token `refresh`."""
    access = issue_access_token(
        user_id,
        settings.jwt_access_secret.get_secret_value(),
        settings.jwt_access_ttl_seconds,
    )
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=settings.jwt_access_ttl_seconds
    )


@router.post(
    "/register",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def register(payload: Credentials, session: SessionDep) -> User:
    user = User(email=payload.email, password_hash=await hash_password(payload.password))
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this e-mail is already registered"
        ) from error
    return user


@router.post("/login", response_model=TokenPair, responses=problem_responses(401))
async def login(
    payload: LoginRequest, session: SessionDep, settings: SettingsDep, backoff: LoginBackoffDep
) -> TokenPair:
    # First, and the same for every e-mail, registered or not (app/auth/login_backoff.py).
    await backoff.admit(payload.email)
    user = await session.scalar(select(User).where(func.lower(User.email) == payload.email.lower()))
    # End the lookup's transaction: its connection goes back to the pool while argon2 runs
    # (a queue of hashes would otherwise hold the pool and outlast its timeout). The user
    # stays loaded (expire_on_commit=False) and tracked for the rehash below.
    await session.commit()
    # Unknown e-mail and wrong password: same message, same (argon2) time.
    valid = await verify_password(user.password_hash if user else None, payload.password)
    if user is None or not valid:
        await backoff.failed(payload.email)
        raise unauthorized(WRONG_CREDENTIALS)
    if needs_rehash(user.password_hash):  # stored with older parameters; token_pair commits
        user.password_hash = await hash_password(payload.password)
    await backoff.reset(payload.email)
    return await token_pair(session, settings, user.id, family_id=uuid.uuid4())


@router.post("/refresh", response_model=TokenPair, responses=problem_responses(401))
async def refresh(payload: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    policy = refresh_tokens.RotationPolicy.of(settings)
    try:
        rotated = await refresh_tokens.rotate(session, payload.refresh_token, policy)
    except refresh_tokens.InvalidRefreshToken as error:
        raise unauthorized(str(error)) from error
    return pair_with(settings, rotated.user_id, rotated.token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(payload: RefreshRequest, session: SessionDep) -> Response:
    # Idempotent: an unknown or already revoked token still logs out (204).
    family = await refresh_tokens.family_of(session, payload.refresh_token)
    if family is not None:
        await refresh_tokens.revoke_family(session, family)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
