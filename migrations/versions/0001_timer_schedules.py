"""timer schedules: one row per timer trigger for the local host's single-run guarantee

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.domain.base import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timer_schedules",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("last_occurrence_at", UtcDateTime(), nullable=True),
        sa.Column("locked_by", sa.String(length=128), nullable=True),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_timer_schedules")),
    )


def downgrade() -> None:
    op.drop_table("timer_schedules")
