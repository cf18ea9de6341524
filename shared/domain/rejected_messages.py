"""Poison messages taken out of a Service Bus queue at once, kept for an operator.

The Functions Python worker receives Service Bus messages with auto-complete and no
settlement API, so a trigger cannot dead-letter a message itself: raising would only make
the host retry it MaxDeliveryCount times. A message no retry can help (not an envelope,
unknown type, invalid payload) is recorded here instead and the delivery completes; the
Service Bus broker adapter lists, replays and purges these rows with the queue's dead letters.
The local broker dead-letters in its own table and never writes here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class RejectedMessage(Base):
    __tablename__ = "rejected_messages"
    __table_args__ = (Index("ix_rejected_messages_rejected_at", "rejected_at"),)

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    delivery_count: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    rejected_at: Mapped[datetime]
