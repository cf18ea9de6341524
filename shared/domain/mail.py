"""What became of each e-mail message: sent (with the transport's id) or rejected for good.

One row per queue message id, written in the consumer's transaction. A row makes a second
delivery of the same message a no-op even after the inbox has forgotten the id, and a
rejected row is the record of a mail that will never arrive (a refused address, a payload
that cannot be rendered) — such a message is completed, not retried.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    REJECTED = "rejected"


class EmailDelivery(Base):
    __tablename__ = "email_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('sent', 'rejected')", name="status"),
        Index("ix_email_deliveries_recipient", "recipient"),
        Index("ix_email_deliveries_attempted_at", "attempted_at"),
    )

    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_type: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(320))  # RFC 5321: 64 + 1 + 255
    status: Mapped[str] = mapped_column(String(16))
    transport: Mapped[str] = mapped_column(String(16))
    # The receiving side's id (SMTP queue id, Maildir key); None when rejected.
    transport_id: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(String(500))
    attempted_at: Mapped[datetime]
