"""quizzes.show_correct_answers_after: answers shown after each attempt or the last one

Showing the answer key after every attempt handed a student the key for the next one. The
new column says when a quiz with show_correct_answers shows it: 'each_attempt' (what every
quiz did so far) or 'last_attempt', once the student can take no other. Existing quizzes get
the default, 'last_attempt', like new ones: a quiz that allows another attempt stops showing
its key until that attempt is spent.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite adds a CHECK constraint only by rebuilding the table.
    with op.batch_alter_table("quizzes") as batch:
        batch.add_column(
            sa.Column(
                "show_correct_answers_after",
                sa.String(length=20),
                server_default="last_attempt",
                nullable=False,
            )
        )
        batch.create_check_constraint(
            op.f("ck_quizzes_show_correct_answers_after"),
            "show_correct_answers_after IN ('each_attempt', 'last_attempt')",
        )


def downgrade() -> None:
    with op.batch_alter_table("quizzes") as batch:
        batch.drop_constraint(op.f("ck_quizzes_show_correct_answers_after"), type_="check")
        batch.drop_column("show_correct_answers_after")
