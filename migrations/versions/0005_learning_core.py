"""learning core: courses, lessons, enrollments, lesson progress, certificates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instructor_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("difficulty_level", sa.String(length=20), nullable=True),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("thumbnail_url", sa.String(length=500), nullable=True),
        sa.Column("estimated_duration_minutes", sa.Integer(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("price", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("long_description", sa.Text(), nullable=True),
        sa.Column("preview_video_url", sa.String(length=500), nullable=True),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("learning_objectives", sa.JSON(), nullable=False),
        sa.Column("total_lessons", sa.Integer(), nullable=False),
        sa.Column("lessons_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("total_quizzes", sa.Integer(), nullable=False),
        sa.Column("enrollment_count", sa.Integer(), nullable=False),
        sa.Column("completed_count", sa.Integer(), nullable=False),
        sa.Column("total_reviews", sa.Integer(), nullable=False),
        sa.Column("average_rating", sa.Float(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "difficulty_level IS NULL OR difficulty_level IN ('beginner', 'intermediate', 'advanced')",
            name=op.f("ck_courses_difficulty_level"),
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_courses_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
    )
    op.create_index(
        "ix_courses_category_difficulty_level_is_published",
        "courses",
        ["category", "difficulty_level", "is_published"],
    )
    op.create_index(
        "ix_courses_instructor_id_created_at", "courses", ["instructor_id", "created_at"]
    )
    op.create_index("ix_courses_is_published_created_at", "courses", ["is_published", "created_at"])

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("dropped_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "progress_percentage", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=False
        ),
        sa.Column("completed_lessons_count", sa.Integer(), nullable=False),
        sa.Column("total_lessons_count", sa.Integer(), nullable=False),
        sa.Column("total_time_spent_seconds", sa.Integer(), nullable=False),
        sa.Column("last_accessed_at", UtcDateTime(), nullable=True),
        sa.Column("certificate_issued_at", UtcDateTime(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("review", sa.Text(), nullable=True),
        sa.Column("reviewed_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'dropped', 'expired')",
            name=op.f("ck_enrollments_status"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)", name=op.f("ck_enrollments_rating")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_enrollments_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_enrollments_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_course"),
    )
    op.create_index(
        "ix_enrollments_course_id_enrolled_at", "enrollments", ["course_id", "enrolled_at"]
    )
    op.create_index("ix_enrollments_course_id_status", "enrollments", ["course_id", "status"])
    op.create_index(
        "ix_enrollments_student_id_enrolled_at", "enrollments", ["student_id", "enrolled_at"]
    )

    op.create_table(
        "lessons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("lesson_type", sa.String(length=20), nullable=False),
        sa.Column("order_index", sa.Integer(), nullable=False),
        sa.Column("parent_lesson_id", sa.Uuid(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("video_url", sa.String(length=500), nullable=True),
        sa.Column("is_preview", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "lesson_type IN ('video', 'text', 'quiz', 'assignment')",
            name=op.f("ck_lessons_lesson_type"),
        ),
        sa.CheckConstraint("order_index >= 1", name=op.f("ck_lessons_order_index")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_lessons_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lessons_parent_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        sa.UniqueConstraint("course_id", "order_index", name="uq_lessons_course_order"),
        sa.UniqueConstraint("course_id", "slug", name="uq_lessons_course_slug"),
    )
    op.create_index("ix_lessons_parent_lesson_id", "lessons", ["parent_lesson_id"])

    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate_number", sa.String(length=50), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("completion_date", UtcDateTime(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("is_revoked", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_certificates_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_certificates_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_certificates_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("certificate_number", name=op.f("uq_certificates_certificate_number")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_certificates_enrollment_id")),
    )
    op.create_index("ix_certificates_course_id", "certificates", ["course_id"])
    op.create_index(
        "ix_certificates_student_id_issued_at", "certificates", ["student_id", "issued_at"]
    )

    op.create_table(
        "lesson_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("time_spent_seconds", sa.Integer(), nullable=False),
        sa.Column("last_position_seconds", sa.Integer(), nullable=False),
        sa.Column(
            "completion_percentage",
            sa.Numeric(precision=5, scale=2, asdecimal=False),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed')",
            name=op.f("ck_lesson_progress_status"),
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_lesson_progress_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_progress_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_progress")),
        sa.UniqueConstraint(
            "enrollment_id", "lesson_id", name="uq_lesson_progress_enrollment_lesson"
        ),
    )
    op.create_index(
        "ix_lesson_progress_enrollment_id_status", "lesson_progress", ["enrollment_id", "status"]
    )
    op.create_index("ix_lesson_progress_lesson_id", "lesson_progress", ["lesson_id"])


def downgrade() -> None:
    op.drop_table("lesson_progress")
    op.drop_table("certificates")
    op.drop_table("lessons")
    op.drop_table("enrollments")
    op.drop_table("courses")
