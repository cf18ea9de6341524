"""certificates: the stored PDF, the signed credential, and why a certificate was revoked

`pdf_blob_name` names the PDF in the `certificates` blob container (NULL until the
certificates queue has rendered it); `credential` is the Open Badges 3.0 credential signed
as a VC-JWT beside it; `revocation_reason` says why an admin revoked the certificate. A
revoked certificate has both a date and a reason (CHECK), and only a revoked one has them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite adds a CHECK constraint only by rebuilding the table.
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("pdf_blob_name", sa.String(length=1024), nullable=True))
        batch.add_column(sa.Column("credential", sa.Text(), nullable=True))
        batch.add_column(sa.Column("revocation_reason", sa.String(length=500), nullable=True))
    # Certificates revoked before reasons were asked for get one saying so.
    op.execute(
        "UPDATE certificates SET revocation_reason = 'Revoked before reasons were recorded', "
        "revoked_at = COALESCE(revoked_at, issued_at) WHERE is_revoked"
    )
    with op.batch_alter_table("certificates") as batch:
        batch.create_check_constraint(
            op.f("ck_certificates_revocation_recorded"),
            "(is_revoked AND revoked_at IS NOT NULL AND revocation_reason IS NOT NULL) OR "
            "(NOT is_revoked AND revoked_at IS NULL AND revocation_reason IS NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_constraint(op.f("ck_certificates_revocation_recorded"), type_="check")
        batch.drop_column("revocation_reason")
        batch.drop_column("credential")
        batch.drop_column("pdf_blob_name")
