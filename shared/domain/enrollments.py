"""Enrollments, the progress of each lesson, and the certificate a completed enrollment earns."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"
    EXPIRED = "expired"


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'completed', 'dropped', 'expired')", name="status"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_course"),
        Index("ix_enrollments_student_id_enrolled_at", "student_id", "enrolled_at"),
        Index("ix_enrollments_course_id_enrolled_at", "course_id", "enrolled_at"),
        Index("ix_enrollments_course_id_status", "course_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # RESTRICT: a course with enrollments is never deleted under its students.
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    enrolled_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentStatus.ACTIVE.value)
    progress_percentage: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), default=0)
    completed_lessons_count: Mapped[int] = mapped_column(default=0)
    total_lessons_count: Mapped[int] = mapped_column(default=0)
    total_time_spent_seconds: Mapped[int] = mapped_column(default=0)
    last_accessed_at: Mapped[datetime | None]
    certificate_issued_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    review: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        CheckConstraint("status IN ('not_started', 'in_progress', 'completed')", name="status"),
        UniqueConstraint("enrollment_id", "lesson_id", name="uq_lesson_progress_enrollment_lesson"),
        Index("ix_lesson_progress_enrollment_id_status", "enrollment_id", "status"),
        Index("ix_lesson_progress_lesson_id", "lesson_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=ProgressStatus.NOT_STARTED.value)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    time_spent_seconds: Mapped[int] = mapped_column(default=0)
    last_position_seconds: Mapped[int] = mapped_column(default=0)
    completion_percentage: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint(
            "(is_revoked AND revoked_at IS NOT NULL AND revocation_reason IS NOT NULL) OR "
            "(NOT is_revoked AND revoked_at IS NULL AND revocation_reason IS NULL)",
            name="revocation_recorded",
        ),
        Index("ix_certificates_student_id_issued_at", "student_id", "issued_at"),
        Index("ix_certificates_course_id", "course_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    certificate_number: Mapped[str] = mapped_column(String(50), unique=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    completion_date: Mapped[datetime]
    issued_at: Mapped[datetime]
    is_revoked: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    # The PDF in the `certificates` blob container and the signed credential beside it: both
    # NULL until the certificates queue has rendered them.
    pdf_blob_name: Mapped[str | None] = mapped_column(String(1024))
    credential: Mapped[str | None] = mapped_column(Text)

    def revoke(self, now: datetime, reason: str) -> None:
        """Revoke for good: a revoked certificate is never valid again."""
        self.is_revoked = True
        self.revoked_at = now
        self.revocation_reason = reason
