"""rate_limit_counters UNLOGGED on PostgreSQL: counting a request writes no WAL

Every request adds a hit to this table; as a logged table each one meant a WAL flush at commit.
An unlogged table's rows are emptied after a crash, which for a fixed-window counter only
resets the windows in progress. Rows are still shared by every connection, process and
instance, so limits stay shared. SQLite has no such thing and keeps its table as it is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rate_limit_counters SET UNLOGGED")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rate_limit_counters SET LOGGED")
