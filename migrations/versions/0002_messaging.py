"""messaging: the outbox, the local broker's queue table and the consumers' inbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("not_before", UtcDateTime(), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("last_send_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index("ix_outbox_messages_occurred_at", "outbox_messages", ["occurred_at"])

    op.create_table(
        "queue_messages",
        sa.Column(
            "sequence_number",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("application_properties", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("enqueued_at", UtcDateTime(), nullable=False),
        sa.Column("visible_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("lock_token", sa.Uuid(), nullable=True),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("settled_at", UtcDateTime(), nullable=True),
        sa.Column("dead_letter_reason", sa.String(length=200), nullable=True),
        sa.Column("dead_letter_description", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("sequence_number", name=op.f("pk_queue_messages")),
        sa.UniqueConstraint("queue", "message_id", name=op.f("uq_queue_messages_queue_message_id")),
    )
    op.create_index(
        "ix_queue_messages_deliverable", "queue_messages", ["queue", "state", "visible_at"]
    )
    op.create_index("ix_queue_messages_settled_at", "queue_messages", ["settled_at"])

    op.create_table(
        "inbox_messages",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_inbox_messages")),
    )
    op.create_index("ix_inbox_messages_processed_at", "inbox_messages", ["processed_at"])


def downgrade() -> None:
    op.drop_table("inbox_messages")
    op.drop_table("queue_messages")
    op.drop_table("outbox_messages")
