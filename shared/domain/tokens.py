"""Refresh tokens (stored hashed, rotated, grouped in families) and spent token ids.

A refresh token belongs to a family that starts at login. Each refresh revokes the presented
token and issues the next one in the family; presenting a revoked token again means it was
stolen or replayed, and the whole family is revoked.

`spent_tokens` holds the ids (jti) of tokens that may not be used again: access tokens after
logout, and single-use reset and verification tokens once used. Rows go when the token would
have expired anyway.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("ix_refresh_tokens_user_id", "user_id"),
        Index("ix_refresh_tokens_family_id", "family_id"),
        Index("ix_refresh_tokens_expires_at", "expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the token's jti
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(30))


class SpentToken(Base):
    __tablename__ = "spent_tokens"
    __table_args__ = (Index("ix_spent_tokens_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    expires_at: Mapped[datetime]
