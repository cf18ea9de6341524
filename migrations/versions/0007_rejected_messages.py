"""rejected_messages: poison messages taken out of Service Bus queues at once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rejected_messages",
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("rejected_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "message_id", name=op.f("pk_rejected_messages")),
    )
    op.create_index(
        "ix_rejected_messages_rejected_at", "rejected_messages", ["rejected_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rejected_messages_rejected_at", table_name="rejected_messages")
    op.drop_table("rejected_messages")
