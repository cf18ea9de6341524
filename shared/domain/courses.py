"""Courses and their lessons. A course's aggregates are computed by the system, never written
by clients: lesson figures when lessons change (same transaction), enrollment and rating
figures by the progress queue (so thousands of enrollments never queue on one row lock)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
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


class DifficultyLevel(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class LessonType(enum.StrEnum):
    VIDEO = "video"
    TEXT = "text"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(
            "difficulty_level IS NULL OR difficulty_level IN "
            "('beginner', 'intermediate', 'advanced')",
            name="difficulty_level",
        ),
        Index("ix_courses_is_published_created_at", "is_published", "created_at"),
        Index("ix_courses_instructor_id_created_at", "instructor_id", "created_at"),
        Index(
            "ix_courses_category_difficulty_level_is_published",
            "category",
            "difficulty_level",
            "is_published",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    category: Mapped[str | None] = mapped_column(String(100))
    difficulty_level: Mapped[str | None] = mapped_column(String(20))
    is_published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    thumbnail_url: Mapped[str | None] = mapped_column(String(500))
    estimated_duration_minutes: Mapped[int | None]
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    # Exact on PostgreSQL; read back as float (SQLite has no decimal type).
    price: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    currency: Mapped[str | None] = mapped_column(String(3))
    is_free: Mapped[bool] = mapped_column(default=True)
    long_description: Mapped[str | None] = mapped_column(Text)
    preview_video_url: Mapped[str | None] = mapped_column(String(500))
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    learning_objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Maintained when lessons (and quizzes) change, in the same transaction.
    total_lessons: Mapped[int] = mapped_column(default=0)
    lessons_duration_minutes: Mapped[int] = mapped_column(default=0)
    total_quizzes: Mapped[int] = mapped_column(default=0)
    # Maintained by the progress queue from the enrollments.
    enrollment_count: Mapped[int] = mapped_column(default=0)
    completed_count: Mapped[int] = mapped_column(default=0)
    total_reviews: Mapped[int] = mapped_column(default=0)
    average_rating: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        CheckConstraint(
            "lesson_type IN ('video', 'text', 'quiz', 'assignment')", name="lesson_type"
        ),
        CheckConstraint("order_index >= 1", name="order_index"),
        UniqueConstraint("course_id", "order_index", name="uq_lessons_course_order"),
        UniqueConstraint("course_id", "slug", name="uq_lessons_course_slug"),
        Index("ix_lessons_parent_lesson_id", "parent_lesson_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    lesson_type: Mapped[str] = mapped_column(String(20))
    order_index: Mapped[int]
    parent_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    duration_minutes: Mapped[int | None]
    video_url: Mapped[str | None] = mapped_column(String(500))
    is_preview: Mapped[bool] = mapped_column(default=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
