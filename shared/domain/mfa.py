"""One-time MFA codes: for a login challenge, or to confirm turning MFA on.

The code is stored hashed with the number of wrong tries; after the last allowed try the
code is spent, so guessing a 6-digit code is not possible within its lifetime.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base

LOGIN = "login"
SETUP = "setup"


class MfaCode(Base):
    __tablename__ = "mfa_codes"
    __table_args__ = (
        Index("ix_mfa_codes_user_id", "user_id"),
        Index("ix_mfa_codes_expires_at", "expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the challenge's jti
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    code_hash: Mapped[str] = mapped_column(String(64))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
