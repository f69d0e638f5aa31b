"""Rotating, opaque refresh tokens with reuse detection (see app/auth/models.py)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import RefreshToken
from app.auth.successors import successor_of
from app.config import Settings
from app.time import utc_now

INVALID = "the refresh token is invalid, expired or revoked"


class InvalidRefreshToken(Exception):
    pass


@dataclass(frozen=True)
class RotationPolicy:
    secret: str  # JWT_ACCESS_SECRET: keys the successor derivation (app/auth/successors.py)
    ttl_seconds: int
    reuse_grace_seconds: int

    @classmethod
    def of(cls, settings: Settings) -> RotationPolicy:
        return cls(
            secret=settings.jwt_access_secret.get_secret_value(),
            ttl_seconds=settings.refresh_token_ttl_seconds,
            reuse_grace_seconds=settings.refresh_token_reuse_grace_seconds,
        )


@dataclass(frozen=True)
class Rotated:
    user_id: uuid.UUID
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_row(user_id: uuid.UUID, family_id: uuid.UUID, token: str, ttl: int) -> RefreshToken:
    return RefreshToken(
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash(token),
        expires_at=utc_now() + timedelta(seconds=ttl),
    )


async def issue(
    session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, ttl_seconds: int
) -> str:
    """A new random token in `family_id`; only its hash is stored. The caller commits."""
    token = secrets.token_urlsafe(48)
    session.add(_new_row(user_id, family_id, token, ttl_seconds))
    return token


async def rotate(session: AsyncSession, token: str, policy: RotationPolicy) -> Rotated:
    """Spend `token` and return its successor, committed.

    The UPDATE ... WHERE spent_at IS NULL makes spending atomic: of concurrent refreshes with
    one token exactly one spends it and inserts the successor (same transaction); the others
    wait for that row lock, find the token spent and, within the grace window, get the same
    successor. Later, presenting a spent token means a copy was stolen: the family is revoked.
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
    successor = successor_of(token, policy.secret)
    if spent is not None:
        session.add(_new_row(spent.user_id, spent.family_id, successor, policy.ttl_seconds))
        await session.commit()
        return Rotated(spent.user_id, successor)

    known = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash(token))
    )
    # Unknown, or expired or revoked before it was ever spent.
    if known is None or known.spent_at is None:
        raise InvalidRefreshToken(INVALID)
    if known.revoked_at is None and _within_grace(known.spent_at, now, policy):
        if await _issued(session, successor, known.family_id):
            return Rotated(known.user_id, successor)
        # Spent before JWT_ACCESS_SECRET was rotated: its successor was derived with the old key.
        raise InvalidRefreshToken(INVALID)
    await revoke_family(session, known.family_id)
    await session.commit()
    raise InvalidRefreshToken("the refresh token was already used: its family is revoked")


def _within_grace(spent_at: datetime, now: datetime, policy: RotationPolicy) -> bool:
    return now - spent_at <= timedelta(seconds=policy.reuse_grace_seconds)


async def _issued(session: AsyncSession, token: str, family_id: uuid.UUID) -> bool:
    """Whether `token` is a live token of `family_id` (the successor a grace retry returns)."""
    found = await session.scalar(
        select(RefreshToken.id).where(
            RefreshToken.token_hash == token_hash(token),
            RefreshToken.family_id == family_id,
            RefreshToken.revoked_at.is_(None),
        )
    )
    return found is not None


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


async def purge_expired(session: AsyncSession, retention_seconds: int) -> int:
    """Delete rows expired more than `retention_seconds` ago; returns how many.

    Spent and revoked rows stay until they expire: a spent token presented again is how reuse
    is detected. Running twice, or on several replicas at once, deletes nothing more.
    """
    cutoff = utc_now() - timedelta(seconds=retention_seconds)
    # On the connection: its execute() returns a CursorResult, which has the rowcount.
    connection = await session.connection()
    result = await connection.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff))
    await session.commit()
    return result.rowcount
