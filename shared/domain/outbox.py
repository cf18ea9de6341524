"""Messages waiting to leave: written in the same transaction as the business rows they describe.

A row exists from the commit of the write that caused it until the relay has handed it to the
broker; then it is deleted. Its id becomes the broker's message_id, so a message the relay
sends twice (it crashed between sending and deleting) is recognised downstream.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_occurred_at", "occurred_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    queue: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(100))
    schema_version: Mapped[int] = mapped_column(default=1)
    occurred_at: Mapped[datetime]
    correlation_id: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Scheduled enqueue: the broker holds the message back until then (retries with backoff).
    not_before: Mapped[datetime | None]
    send_attempts: Mapped[int] = mapped_column(default=0)
    last_send_error: Mapped[str | None] = mapped_column(String(500))
