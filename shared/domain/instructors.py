"""Instructor profiles and their verification, which an admin approves or rejects."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class VerificationStatus(enum.StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class InstructorProfile(Base):
    __tablename__ = "instructors"
    __table_args__ = (Index("ix_instructors_verification_status", "verification_status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    bio: Mapped[str] = mapped_column(Text)
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    teaching_experience_years: Mapped[int | None]
    education_level: Mapped[str | None] = mapped_column(String(100))
    institution: Mapped[str | None] = mapped_column(String(255))
    is_verified: Mapped[bool] = mapped_column(default=False)
    verification_status: Mapped[str] = mapped_column(
        String(20), default=VerificationStatus.PENDING.value
    )
    verification_notes: Mapped[str | None] = mapped_column(Text)
    verification_document_url: Mapped[str | None] = mapped_column(String(1000))
    verification_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
