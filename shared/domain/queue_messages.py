"""The local broker's queues: one table with Service Bus semantics.

A row is a message on `queue`. It is deliverable when its state is `active`, `visible_at`
has passed (scheduled enqueue) and no lock is held (`locked_until` empty or past). Receiving
takes a peek-lock and counts a delivery; completing settles it; abandoning releases the lock;
after the maximum delivery count it is dead-lettered with a reason. Settled rows stay for the
duplicate-detection window, so a message id sent twice is stored once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base

ACTIVE = "active"
COMPLETED = "completed"
DEAD_LETTERED = "deadlettered"


class QueuedMessage(Base):
    __tablename__ = "queue_messages"
    __table_args__ = (
        UniqueConstraint("queue", "message_id"),
        Index("ix_queue_messages_deliverable", "queue", "state", "visible_at"),
        Index("ix_queue_messages_settled_at", "settled_at"),
    )

    sequence_number: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    queue: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str | None] = mapped_column(String(100))
    correlation_id: Mapped[str | None] = mapped_column(String(128))
    content_type: Mapped[str | None] = mapped_column(String(100))
    application_properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    enqueued_at: Mapped[datetime]
    visible_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    delivery_count: Mapped[int] = mapped_column(default=0)
    lock_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    locked_until: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    dead_letter_reason: Mapped[str | None] = mapped_column(String(200))
    dead_letter_description: Mapped[str | None] = mapped_column(String(1000))
