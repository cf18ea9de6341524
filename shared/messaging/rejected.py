"""The Service Bus adapter's store of poison messages (see shared/domain/rejected_messages.py).

Rows look like dead letters to the rest of the system: `lms dlq list|show|replay|purge` and the
queue figures see them with the queue's real dead letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock
from shared.db import upsert_insert
from shared.domain.rejected_messages import RejectedMessage
from shared.messaging.broker import DeadLetter, Delivery, OutgoingMessage


class RejectedMessages:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def add(self, delivery: Delivery, reason: str, description: str) -> None:
        """Keep the message; a second rejection of the same message id keeps the first."""
        with self._sessions.begin() as session:
            session.execute(
                upsert_insert(session)(RejectedMessage)
                .values(
                    queue=delivery.queue,
                    message_id=delivery.message_id,
                    subject=(delivery.subject or "")[:100] or None,
                    reason=reason[:200],
                    description=description[:1000],
                    delivery_count=delivery.delivery_count,
                    body=delivery.body,
                    rejected_at=self._clock(),
                )
                .on_conflict_do_nothing(index_elements=["queue", "message_id"])
            )

    def count(self, queue: str) -> int:
        with self._sessions() as session:
            return int(
                session.scalar(select(func.count()).where(RejectedMessage.queue == queue)) or 0
            )

    def dead_letters(self, queue: str, limit: int) -> list[DeadLetter]:
        with self._sessions() as session:
            rows = session.scalars(
                select(RejectedMessage)
                .where(RejectedMessage.queue == queue)
                .order_by(RejectedMessage.rejected_at)
                .limit(limit)
            ).all()
            return [_dead_letter(row) for row in rows]

    def outgoing(self, queue: str, message_ids: Sequence[str] | None) -> list[OutgoingMessage]:
        """The rejected messages (all of `queue`, or those ids) as messages to send again."""
        with self._sessions() as session:
            rows = session.scalars(select(RejectedMessage).where(*_of(queue, message_ids))).all()
            return [
                OutgoingMessage(
                    queue=row.queue,
                    message_id=row.message_id,
                    body=row.body,
                    subject=row.subject or "",
                )
                for row in rows
            ]

    def remove(self, queue: str, message_ids: Sequence[str] | None) -> int:
        with self._sessions.begin() as session:
            result = session.execute(delete(RejectedMessage).where(*_of(queue, message_ids)))
        return int(result.rowcount)  # type: ignore[attr-defined]


def _of(queue: str, message_ids: Sequence[str] | None) -> list[Any]:
    conditions: list[Any] = [RejectedMessage.queue == queue]
    if message_ids is not None:
        conditions.append(RejectedMessage.message_id.in_(list(message_ids)))
    return conditions


def _dead_letter(row: RejectedMessage) -> DeadLetter:
    return DeadLetter(
        queue=row.queue,
        message_id=row.message_id,
        subject=row.subject,
        reason=row.reason,
        description=row.description,
        delivery_count=row.delivery_count,
        enqueued_at=row.rejected_at,
        body=row.body,
    )
