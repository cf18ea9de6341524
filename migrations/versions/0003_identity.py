"""identity: users, refresh-token families, spent tokens, MFA codes, lockout and rate-limit
counters, admin and instructor profiles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UtcDateTime(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    op.create_index(
        "ix_login_failures_window_started_at", "login_failures", ["window_started_at"], unique=False
    )
    op.create_table(
        "rate_limit_counters",
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("window_starts_at", UtcDateTime(), nullable=False),
        sa.Column("window_ends_at", UtcDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "rule", "client", "window_starts_at", name=op.f("pk_rate_limit_counters")
        ),
    )
    op.create_index(
        "ix_rate_limit_counters_window_ends_at",
        "rate_limit_counters",
        ["window_ends_at"],
        unique=False,
    )
    op.create_table(
        "spent_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_spent_tokens")),
    )
    op.create_index("ix_spent_tokens_expires_at", "spent_tokens", ["expires_at"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("mfa_enabled", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("last_login_at", UtcDateTime(), nullable=True),
        sa.Column("email_verified_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'instructor', 'student')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index("ix_users_created_at", "users", ["created_at"], unique=False)
    op.create_index("ix_users_role", "users", ["role"], unique=False)
    op.create_table(
        "admins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("security_level", sa.String(length=20), nullable=False),
        sa.Column("mfa_required", sa.Boolean(), nullable=False),
        sa.Column("ip_whitelist", sa.JSON(), nullable=False),
        sa.Column("time_restrictions", sa.JSON(), nullable=False),
        sa.Column("emergency_contacts", sa.JSON(), nullable=False),
        sa.Column("is_setup_complete", sa.Boolean(), nullable=False),
        sa.Column("setup_completed_at", UtcDateTime(), nullable=True),
        sa.Column("security_policy_accepted", sa.Boolean(), nullable=False),
        sa.Column("security_policy_version", sa.String(length=20), nullable=False),
        sa.Column("last_security_review", UtcDateTime(), nullable=True),
        sa.Column("security_health_score", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_admins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admins")),
        sa.UniqueConstraint("user_id", name=op.f("uq_admins_user_id")),
    )
    op.create_table(
        "instructors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("teaching_experience_years", sa.Integer(), nullable=True),
        sa.Column("education_level", sa.String(length=100), nullable=True),
        sa.Column("institution", sa.String(length=255), nullable=True),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("verification_status", sa.String(length=20), nullable=False),
        sa.Column("verification_notes", sa.Text(), nullable=True),
        sa.Column("verification_document_url", sa.String(length=1000), nullable=True),
        sa.Column("verification_expires_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_instructors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructors")),
        sa.UniqueConstraint("user_id", name=op.f("uq_instructors_user_id")),
    )
    op.create_index(
        "ix_instructors_verification_status", "instructors", ["verification_status"], unique=False
    )
    op.create_table(
        "mfa_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_codes")),
    )
    op.create_index("ix_mfa_codes_expires_at", "mfa_codes", ["expires_at"], unique=False)
    op.create_index("ix_mfa_codes_user_id", "mfa_codes", ["user_id"], unique=False)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"], unique=False)
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], unique=False)
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    for table in (
        "refresh_tokens",
        "mfa_codes",
        "instructors",
        "admins",
        "users",
        "spent_tokens",
        "rate_limit_counters",
        "login_failures",
    ):
        op.drop_table(table)
