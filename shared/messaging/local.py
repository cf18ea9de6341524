"""The local broker: queues in the application database with Service Bus semantics.

Peek-lock receive with a lock duration, a delivery count that starts at 1, abandon (the
message comes back after the retry policy's backoff, shared/messaging/retries.py), automatic
dead-lettering after the maximum delivery count, scheduled enqueue, and duplicate detection
on message id. On PostgreSQL receivers lock rows with FOR UPDATE SKIP LOCKED, so several
processes consume one queue without waiting on each other or taking the same message; on
SQLite every transaction begins IMMEDIATE (shared.db), which serialises them instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock, utc_now
from shared.config import Settings
from shared.db import upsert_insert
from shared.domain.base import UtcDateTime
from shared.domain.errors import DependencyUnavailableError
from shared.domain.queue_messages import ACTIVE, COMPLETED, DEAD_LETTERED, QueuedMessage
from shared.messaging.broker import (
    DEAD_LETTER_REASON_MAX_DELIVERIES,
    DeadLetter,
    Delivery,
    OutgoingMessage,
    QueueStats,
    check_queue_name,
)
from shared.messaging.retries import RetryPolicy


class MessageLockLostError(RuntimeError):
    """The lock expired (or the message was settled) before the consumer settled it."""


@dataclass(frozen=True)
class ReceivedMessage:
    queue: str
    message_id: str
    lock_token: uuid.UUID
    locked_until: datetime
    delivery_count: int
    sequence_number: int
    enqueued_at: datetime
    subject: str | None
    correlation_id: str | None
    content_type: str | None
    application_properties: dict[str, Any]
    body: bytes


class LocalBroker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        retries: RetryPolicy | None = None,
        lock_duration: timedelta = timedelta(seconds=60),
        clock: Clock = utc_now,
    ) -> None:
        self._sessions = sessions
        self.retries = retries or RetryPolicy()
        self.lock_duration = lock_duration
        self.clock = clock
        self._on_send: list[Callable[[str], None]] = []

    def on_send(self, listener: Callable[[str], None]) -> None:
        """Call `listener(queue)` after each commit that put messages on `queue`: the local
        host's consumers wait for it instead of polling the table."""
        self._on_send.append(listener)

    @property
    def max_delivery_count(self) -> int:
        return self.retries.max_deliveries

    def __repr__(self) -> str:
        return f"<LocalBroker max_delivery_count={self.max_delivery_count}>"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sessions: sessionmaker[Session],
        clock: Clock = utc_now,
        retries: RetryPolicy | None = None,
    ) -> LocalBroker:
        return cls(
            sessions,
            retries=retries or RetryPolicy.from_settings(settings),
            lock_duration=timedelta(seconds=settings.QUEUE_LOCK_DURATION_SECONDS),
            clock=clock,
        )

    # --- producing
    def send(self, messages: Sequence[OutgoingMessage]) -> None:
        if not messages:
            return
        now = self.clock()
        rows: list[dict[str, Any]] = [
            {
                "queue": check_queue_name(m.queue),
                "message_id": m.message_id,
                "subject": m.subject,
                "correlation_id": m.correlation_id,
                "content_type": m.content_type,
                "application_properties": {},
                "body": m.body,
                "enqueued_at": now,
                "visible_at": max(now, m.scheduled_at) if m.scheduled_at else now,
                "state": ACTIVE,
                "delivery_count": 0,
            }
            for m in messages
        ]
        with self._sessions.begin() as session:
            insert = upsert_insert(session)
            # Duplicate detection: a message id the queue still remembers is dropped.
            statement = insert(QueuedMessage).on_conflict_do_nothing(
                index_elements=["queue", "message_id"]
            )
            session.execute(statement, rows)
        for queue in {row["queue"] for row in rows}:
            for listener in self._on_send:
                listener(queue)

    def check(self) -> None:
        try:
            with self._sessions.begin() as session:
                session.execute(select(QueuedMessage.sequence_number).limit(1))
        except Exception as exc:
            raise DependencyUnavailableError("the local broker's table cannot be read") from exc

    # --- consuming
    def receive(self, queue: str, max_messages: int = 1) -> list[ReceivedMessage]:
        """Lock up to `max_messages` deliverable messages and count a delivery for each."""
        now = self.clock()
        received = []
        with self._sessions.begin() as session:
            rows = session.scalars(
                select(QueuedMessage)
                .where(
                    QueuedMessage.queue == queue,
                    QueuedMessage.state == ACTIVE,
                    QueuedMessage.visible_at <= now,
                    or_(QueuedMessage.locked_until.is_(None), QueuedMessage.locked_until < now),
                )
                .order_by(QueuedMessage.sequence_number)
                .limit(max_messages)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                if self.retries.is_last(row.delivery_count):
                    # Its last lock expired unsettled: it has had every delivery it gets.
                    _dead_letter(
                        row,
                        now,
                        DEAD_LETTER_REASON_MAX_DELIVERIES,
                        "the lock of the last delivery expired",
                    )
                    continue
                row.delivery_count += 1
                row.lock_token = uuid.uuid4()
                row.locked_until = now + self.lock_duration
                received.append(_received(row))
        return received

    def complete(self, message: ReceivedMessage) -> None:
        now = self.clock()
        with self._sessions.begin() as session:
            if _rejected_during(session, message):
                return  # the function rejected it as poison: it stays dead-lettered
            row = self._locked_row(session, message, now)
            row.state = COMPLETED
            row.settled_at = now
            row.lock_token = None
            row.locked_until = None

    def abandon(self, message: ReceivedMessage, error: str | None = None) -> None:
        """Release the lock; the message is delivered again after the retry policy's backoff,
        or dead-lettered after the last allowed delivery."""
        now = self.clock()
        with self._sessions.begin() as session:
            row = self._locked_row(session, message, now)
            if self.retries.is_last(row.delivery_count):
                _dead_letter(row, now, DEAD_LETTER_REASON_MAX_DELIVERIES, error)
            else:
                row.visible_at = now + self.retries.delay(row.delivery_count)
                row.lock_token = None
                row.locked_until = None

    def redeliver_later(self, delivery: Delivery, error: str) -> bool:
        """False: the local host abandons a delivery whose function raised, and `abandon`
        applies the backoff, as Service Bus would if it could delay an abandon."""
        return False

    def dead_letter(self, message: ReceivedMessage, reason: str, description: str | None) -> None:
        now = self.clock()
        with self._sessions.begin() as session:
            _dead_letter(self._locked_row(session, message, now), now, reason, description)

    def reject(self, delivery: Delivery, reason: str, description: str) -> None:
        """Dead-letter the message being delivered now, without waiting for more deliveries.

        The lock token stays on the row, so the host's `complete` after the function returns
        recognises the message as settled rather than as a lost lock."""
        now = self.clock()
        with self._sessions.begin() as session:
            row = session.scalars(
                select(QueuedMessage)
                .where(
                    QueuedMessage.queue == delivery.queue,
                    QueuedMessage.message_id == delivery.message_id,
                    QueuedMessage.state == ACTIVE,
                )
                .with_for_update()
            ).one_or_none()
            if row is None:
                raise MessageLockLostError(
                    f"message {delivery.message_id} is no longer on {delivery.queue}"
                )
            token = row.lock_token
            _dead_letter(row, now, reason, description)
            row.lock_token = token

    def close(self) -> None:
        """Nothing to release: the broker uses the application's connection pool."""

    def _locked_row(self, session: Session, message: ReceivedMessage, now: datetime) -> Any:
        row = session.scalars(
            select(QueuedMessage)
            .where(
                QueuedMessage.sequence_number == message.sequence_number,
                QueuedMessage.lock_token == message.lock_token,
                QueuedMessage.state == ACTIVE,
            )
            .with_for_update()
        ).one_or_none()
        if row is None or row.locked_until is None or row.locked_until < now:
            raise MessageLockLostError(
                f"the lock on message {message.message_id} in {message.queue} was lost; "
                "it will be delivered again"
            )
        return row

    # --- operating
    def stats(self, queue: str) -> QueueStats:
        now = self.clock()
        deliverable = and_(QueuedMessage.state == ACTIVE, QueuedMessage.visible_at <= now)
        scheduled = and_(QueuedMessage.state == ACTIVE, QueuedMessage.visible_at > now)
        with self._sessions.begin() as session:
            active, waiting, dead, oldest = session.execute(
                select(
                    func.count().filter(deliverable),
                    func.count().filter(scheduled),
                    func.count().filter(QueuedMessage.state == DEAD_LETTERED),
                    func.min(QueuedMessage.enqueued_at, type_=UtcDateTime()).filter(deliverable),
                ).where(QueuedMessage.queue == check_queue_name(queue))
            ).one()
        age = (now - oldest).total_seconds() if oldest is not None else None
        return QueueStats(queue, active, waiting, dead, age)

    def dead_letters(self, queue: str, limit: int = 50) -> list[DeadLetter]:
        with self._sessions.begin() as session:
            rows = session.scalars(
                select(QueuedMessage)
                .where(
                    QueuedMessage.queue == check_queue_name(queue),
                    QueuedMessage.state == DEAD_LETTERED,
                )
                .order_by(QueuedMessage.sequence_number)
                .limit(limit)
            ).all()
            return [
                DeadLetter(
                    queue=row.queue,
                    message_id=row.message_id,
                    subject=row.subject,
                    reason=row.dead_letter_reason,
                    description=row.dead_letter_description,
                    delivery_count=row.delivery_count,
                    enqueued_at=row.enqueued_at,
                    body=row.body,
                )
                for row in rows
            ]

    def replay_dead_letters(self, queue: str, message_ids: Sequence[str] | None = None) -> int:
        now = self.clock()
        with self._sessions.begin() as session:
            result = session.execute(
                update(QueuedMessage)
                .where(*_dead_letters_of(queue, message_ids))
                .values(
                    state=ACTIVE,
                    delivery_count=0,
                    visible_at=now,
                    settled_at=None,
                    dead_letter_reason=None,
                    dead_letter_description=None,
                    lock_token=None,
                    locked_until=None,
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def purge_dead_letters(self, queue: str, message_ids: Sequence[str] | None = None) -> int:
        with self._sessions.begin() as session:
            result = session.execute(
                delete(QueuedMessage).where(*_dead_letters_of(queue, message_ids))
            )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _rejected_during(session: Session, message: ReceivedMessage) -> bool:
    state = session.scalar(
        select(QueuedMessage.state).where(
            QueuedMessage.sequence_number == message.sequence_number,
            QueuedMessage.lock_token == message.lock_token,
        )
    )
    return state == DEAD_LETTERED


def _dead_letters_of(queue: str, message_ids: Sequence[str] | None) -> list[Any]:
    conditions = [
        QueuedMessage.queue == check_queue_name(queue),
        QueuedMessage.state == DEAD_LETTERED,
    ]
    if message_ids is not None:
        conditions.append(QueuedMessage.message_id.in_(list(message_ids)))
    return conditions


def _dead_letter(row: QueuedMessage, now: datetime, reason: str, description: str | None) -> None:
    row.state = DEAD_LETTERED
    row.settled_at = now
    row.dead_letter_reason = reason[:200]
    row.dead_letter_description = description[:1000] if description else None
    row.lock_token = None
    row.locked_until = None


def _received(row: QueuedMessage) -> ReceivedMessage:
    assert row.lock_token is not None and row.locked_until is not None
    return ReceivedMessage(
        queue=row.queue,
        message_id=row.message_id,
        lock_token=row.lock_token,
        locked_until=row.locked_until,
        delivery_count=row.delivery_count,
        sequence_number=row.sequence_number,
        enqueued_at=row.enqueued_at,
        subject=row.subject,
        correlation_id=row.correlation_id,
        content_type=row.content_type,
        application_properties=dict(row.application_properties or {}),
        body=row.body,
    )
