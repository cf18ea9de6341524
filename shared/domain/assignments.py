"""Assignments of a course, students' submissions to them, and the reminders sent before due.

A submission is one student's work on one assignment (one row per enrollment and assignment,
whatever the number of versions): its status and grade. Each time the student submits, a new
version keeps what was sent (text, a link, files of the files module) and when, so a
resubmission never overwrites the work an instructor may have read.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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


class AssignmentStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"  # hidden from students, takes no submissions; grades stay


class LatePolicy(enum.StrEnum):
    REFUSE = "refuse"  # no submission after the due date
    ACCEPT = "accept"  # accepted and marked late
    PENALTY = "penalty"  # accepted, marked late, the grade loses a percentage per day late


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    GRADED = "graded"
    RETURNED = "returned"  # sent back for rework; the student may submit again
    REVISED = "revised"  # resubmitted after a return


AWAITING_GRADING = (SubmissionStatus.SUBMITTED.value, SubmissionStatus.REVISED.value)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        CheckConstraint("late_policy IN ('refuse', 'accept', 'penalty')", name="late_policy"),
        CheckConstraint("max_points >= 1", name="max_points"),
        CheckConstraint(
            "late_penalty_percent IS NULL OR (late_penalty_percent > 0 "
            "AND late_penalty_percent <= 100)",
            name="late_penalty_percent",
        ),
        CheckConstraint("max_submissions IS NULL OR max_submissions >= 1", name="max_submissions"),
        Index("ix_assignments_course_id_created_at", "course_id", "created_at"),
        Index("ix_assignments_instructor_id_created_at", "instructor_id", "created_at"),
        # The reminder timer's scan: published assignments by due date.
        Index("ix_assignments_status_due_date", "status", "due_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # The lesson a graded submission completes; one assignment per lesson.
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), unique=True
    )
    # The course's instructor when it was created (an admin may create it for them).
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[datetime | None]
    max_points: Mapped[int] = mapped_column(default=100)
    grading_type: Mapped[str | None] = mapped_column(String(50))
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.DRAFT.value)
    # The reference's redundant flag, kept equal to status == 'published'.
    is_published: Mapped[bool] = mapped_column(default=False)
    late_policy: Mapped[str] = mapped_column(String(20), default=LatePolicy.REFUSE.value)
    late_penalty_percent: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    max_submissions: Mapped[int | None]  # None: unlimited (no default: None is a value)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def is_open(self) -> bool:
        """Whether students see it and may submit to it (its course's state aside)."""
        return self.status == AssignmentStatus.PUBLISHED.value


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'graded', 'returned', 'revised')", name="status"),
        CheckConstraint("grade IS NULL OR grade >= 0", name="grade"),
        UniqueConstraint(
            "enrollment_id", "assignment_id", name="uq_submissions_enrollment_assignment"
        ),
        Index("ix_submissions_assignment_id_status", "assignment_id", "status"),
        Index("ix_submissions_student_id_status", "student_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE")
    )
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.SUBMITTED.value)
    version: Mapped[int] = mapped_column(default=1)  # the number of the current version
    submitted_at: Mapped[datetime]  # the current version's, the server's clock
    is_late: Mapped[bool] = mapped_column(default=False)
    days_late: Mapped[int] = mapped_column(default=0)
    # The grade on the assignment's scale (max_grade = its max_points when graded), after
    # any late penalty; grade_before_penalty is what the instructor gave.
    grade: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    grade_before_penalty: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    max_grade: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    late_penalty_percent: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    graded_at: Mapped[datetime | None]
    graded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    returned_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SubmissionVersion(Base):
    __tablename__ = "submission_versions"
    __table_args__ = (
        UniqueConstraint("submission_id", "number", name="uq_submission_versions_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    submission_type: Mapped[str] = mapped_column(String(20))
    content: Mapped[str | None] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(String(2048))
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    submitted_at: Mapped[datetime]
    is_late: Mapped[bool] = mapped_column(default=False)
    days_late: Mapped[int] = mapped_column(default=0)


class SubmissionFile(Base):
    """A file of the files module attached to a version. No ON DELETE: a file attached to a
    submission cannot be deleted on its own (the files service says so); it goes when its
    uploader does, with their enrollments and submissions, in the same statement."""

    __tablename__ = "submission_files"
    __table_args__ = (Index("ix_submission_files_file_id", "file_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submission_versions.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("uploaded_files.id"), primary_key=True)
    position: Mapped[int]


class AssignmentReminder(Base):
    """One reminder mailed to one student about one assignment: never a second."""

    __tablename__ = "assignment_reminders"

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime]
