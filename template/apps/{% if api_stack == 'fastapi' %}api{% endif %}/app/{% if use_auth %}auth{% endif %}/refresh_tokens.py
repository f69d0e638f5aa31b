"""Rotating, opaque refresh tokens with reuse detection (see app/auth/models.py)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import RefreshToken
from app.time import utc_now


class InvalidRefreshToken(Exception):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, ttl_seconds: int
) -> str:
    """A new token in `family_id`; only its hash is stored. The caller commits."""
    token = secrets.token_urlsafe(48)
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash(token),
            expires_at=utc_now() + timedelta(seconds=ttl_seconds),
        )
    )
    return token


async def spend(session: AsyncSession, token: str) -> RefreshToken:
    """Mark `token` spent and return it; reuse of a spent token revokes its whole family.

    The UPDATE ... WHERE spent_at IS NULL makes spending atomic: of two concurrent refreshes
    with one token, exactly one wins and the other is treated as reuse.
    """
    now = utc_now()
    spent: RefreshToken | None = await session.scalar(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == token_hash(token),
            RefreshToken.spent_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(spent_at=now)
        .returning(RefreshToken)
    )
    if spent is not None:
        return spent
    known = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash(token))
    )
    if known is not None and known.spent_at is not None:
        await revoke_family(session, known.family_id)
        await session.commit()
    raise InvalidRefreshToken("the refresh token is invalid, expired or revoked")


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )


async def family_of(session: AsyncSession, token: str) -> uuid.UUID | None:
    family: uuid.UUID | None = await session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == token_hash(token))
    )
    return family
