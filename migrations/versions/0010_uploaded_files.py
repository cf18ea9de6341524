"""uploaded_files: files users upload, and direct uploads waiting to be completed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uploaded_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("file_url", sa.String(length=1024), nullable=False),
        sa.Column("storage_path", sa.String(length=1024), nullable=False),
        sa.Column("file_type", sa.String(length=50), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("folder", sa.String(length=100), nullable=False),
        sa.Column("storage_provider", sa.String(length=50), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("upload_expires_at", UtcDateTime(), nullable=True),
        sa.Column("upload_claimed_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'available')", name=op.f("ck_uploaded_files_status")
        ),
        sa.CheckConstraint(
            "file_type IN ('video', 'image', 'document', 'other')",
            name=op.f("ck_uploaded_files_file_type"),
        ),
        sa.CheckConstraint("file_size >= 0", name=op.f("ck_uploaded_files_file_size")),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["users.id"],
            name=op.f("fk_uploaded_files_uploader_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploaded_files")),
        sa.UniqueConstraint("filename", name=op.f("uq_uploaded_files_filename")),
        sa.UniqueConstraint("storage_path", name=op.f("uq_uploaded_files_storage_path")),
    )
    op.create_index(
        "ix_uploaded_files_uploader_id_created_at",
        "uploaded_files",
        ["uploader_id", "created_at"],
    )
    op.create_index(
        "ix_uploaded_files_uploader_id_file_type_created_at",
        "uploaded_files",
        ["uploader_id", "file_type", "created_at"],
    )
    op.create_index(
        "ix_uploaded_files_status_upload_expires_at",
        "uploaded_files",
        ["status", "upload_expires_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_uploaded_files_status_upload_expires_at", table_name="uploaded_files")
    op.drop_index("ix_uploaded_files_uploader_id_file_type_created_at", table_name="uploaded_files")
    op.drop_index("ix_uploaded_files_uploader_id_created_at", table_name="uploaded_files")
    op.drop_table("uploaded_files")
