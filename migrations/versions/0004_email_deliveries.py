"""email deliveries: what became of each e-mail message (sent, or rejected for good)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_deliveries",
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("message_type", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transport", sa.String(length=16), nullable=False),
        sa.Column("transport_id", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('sent', 'rejected')", name=op.f("ck_email_deliveries_status")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_email_deliveries")),
    )
    op.create_index("ix_email_deliveries_recipient", "email_deliveries", ["recipient"])
    op.create_index("ix_email_deliveries_attempted_at", "email_deliveries", ["attempted_at"])


def downgrade() -> None:
    op.drop_table("email_deliveries")
