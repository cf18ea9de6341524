"""assignments: assignments, submissions with their versions and files, due-date reminders

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("instructor_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("due_date", UtcDateTime(), nullable=True),
        sa.Column("max_points", sa.Integer(), nullable=False),
        sa.Column("grading_type", sa.String(length=50), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("late_policy", sa.String(length=20), nullable=False),
        sa.Column(
            "late_penalty_percent", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=True
        ),
        sa.Column("max_submissions", sa.Integer(), nullable=True),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "late_policy IN ('refuse', 'accept', 'penalty')",
            name=op.f("ck_assignments_late_policy"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'archived')", name=op.f("ck_assignments_status")
        ),
        sa.CheckConstraint(
            "late_penalty_percent IS NULL OR (late_penalty_percent > 0 AND late_penalty_percent <= 100)",
            name=op.f("ck_assignments_late_penalty_percent"),
        ),
        sa.CheckConstraint("max_points >= 1", name=op.f("ck_assignments_max_points")),
        sa.CheckConstraint(
            "max_submissions IS NULL OR max_submissions >= 1",
            name=op.f("ck_assignments_max_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assignments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_assignments_instructor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_assignments_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_assignments_lesson_id")),
    )
    op.create_index(
        "ix_assignments_course_id_created_at", "assignments", ["course_id", "created_at"]
    )
    op.create_index(
        "ix_assignments_instructor_id_created_at", "assignments", ["instructor_id", "created_at"]
    )
    op.create_index("ix_assignments_status_due_date", "assignments", ["status", "due_date"])
    op.create_table(
        "assignment_reminders",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_reminders_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_assignment_reminders_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "assignment_id", "enrollment_id", name=op.f("pk_assignment_reminders")
        ),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("is_late", sa.Boolean(), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True),
        sa.Column(
            "grade_before_penalty",
            sa.Numeric(precision=10, scale=2, asdecimal=False),
            nullable=True,
        ),
        sa.Column("max_grade", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True),
        sa.Column(
            "late_penalty_percent", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=True
        ),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("feedback_attachments", sa.JSON(), nullable=False),
        sa.Column("graded_at", UtcDateTime(), nullable=True),
        sa.Column("graded_by", sa.Uuid(), nullable=True),
        sa.Column("returned_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'graded', 'returned', 'revised')",
            name=op.f("ck_submissions_status"),
        ),
        sa.CheckConstraint("grade IS NULL OR grade >= 0", name=op.f("ck_submissions_grade")),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_submissions_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_submissions_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["graded_by"],
            ["users.id"],
            name=op.f("fk_submissions_graded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_submissions_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "enrollment_id", "assignment_id", name="uq_submissions_enrollment_assignment"
        ),
    )
    op.create_index(
        "ix_submissions_assignment_id_status", "submissions", ["assignment_id", "status"]
    )
    op.create_index("ix_submissions_student_id_status", "submissions", ["student_id", "status"])
    op.create_table(
        "submission_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submission_type", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("link_url", sa.String(length=2048), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("is_late", sa.Boolean(), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_versions_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_versions")),
        sa.UniqueConstraint("submission_id", "number", name="uq_submission_versions_number"),
    )
    op.create_table(
        "submission_files",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["uploaded_files.id"],
            name=op.f("fk_submission_files_file_id_uploaded_files"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["submission_versions.id"],
            name=op.f("fk_submission_files_version_id_submission_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "file_id", name=op.f("pk_submission_files")),
    )
    op.create_index("ix_submission_files_file_id", "submission_files", ["file_id"])


def downgrade() -> None:
    op.drop_index("ix_submission_files_file_id", table_name="submission_files")
    op.drop_table("submission_files")
    op.drop_table("submission_versions")
    op.drop_index("ix_submissions_student_id_status", table_name="submissions")
    op.drop_index("ix_submissions_assignment_id_status", table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("assignment_reminders")
    op.drop_index("ix_assignments_status_due_date", table_name="assignments")
    op.drop_index("ix_assignments_instructor_id_created_at", table_name="assignments")
    op.drop_index("ix_assignments_course_id_created_at", table_name="assignments")
    op.drop_table("assignments")
