"""Admin profiles: security settings and the onboarding an admin completes before managing
users (the reference's "setup complete" gate, ADM+)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class AdminProfile(Base):
    __tablename__ = "admins"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    security_level: Mapped[str] = mapped_column(String(20), default="enhanced")
    mfa_required: Mapped[bool] = mapped_column(default=True)
    ip_whitelist: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_restrictions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    emergency_contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    is_setup_complete: Mapped[bool] = mapped_column(default=False)
    setup_completed_at: Mapped[datetime | None]
    security_policy_accepted: Mapped[bool] = mapped_column(default=False)
    security_policy_version: Mapped[str] = mapped_column(String(20), default="1.0")
    last_security_review: Mapped[datetime | None]
    security_health_score: Mapped[int] = mapped_column(default=50)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
