"""Refresh tokens, stored only as SHA-256 hashes, grouped in families (one per login).

Each refresh spends its token and issues the next one in the same family. A spent token
presented again within REFRESH_TOKEN_REUSE_GRACE_SECONDS (two tabs, a retry) gets the same
successor; later, it means a copy was stolen: the whole family is revoked. Rows are deleted
REFRESH_TOKEN_PURGE_RETENTION_SECONDS after they expire (app/auth/purge.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.time import utc_now


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Indexed for the purge, which deletes by expiry.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    spent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
