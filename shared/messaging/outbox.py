"""Adding messages to the outbox, and relaying committed ones to the broker.

The relay reads a batch, sends it, then deletes what was sent, each step in its own short
transaction: no database lock is held while the broker is called (on SQLite the local broker
writes to the same database and would wait for it). If the process dies between sending and
deleting, the next sweep sends those messages again with the same message ids; the broker's
duplicate detection and the consumers' inbox make that harmless.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.domain.outbox import OutboxMessage
from shared.messages.base import Message
from shared.messaging.broker import Broker, OutgoingMessage, check_queue_name
from shared.messaging.envelope import Envelope
from shared.observability.context import current_request_id
from shared.observability.logging import redact

log = logging.getLogger("lms.outbox")

BATCH_SIZE = 100


def add_to_outbox(
    session: Session,
    queue: str,
    message: Message,
    *,
    now: datetime,
    not_before: datetime | None = None,
) -> uuid.UUID:
    """Stage `message` for `queue` in `session`; it leaves only if the transaction commits."""
    row = OutboxMessage(
        id=uuid.uuid4(),
        queue=check_queue_name(queue),
        type=message.type,
        schema_version=message.version,
        occurred_at=now,
        correlation_id=current_request_id(),
        payload=message.payload(),
        not_before=not_before,
        send_attempts=0,
    )
    session.add(row)
    return row.id


@dataclass(frozen=True)
class RelayResult:
    sent: int
    failed: int
    error: str | None = None


def _outgoing(row: OutboxMessage) -> OutgoingMessage:
    envelope = Envelope(
        id=row.id,
        type=row.type,
        version=row.schema_version,
        occurred_at=row.occurred_at,
        correlation_id=row.correlation_id,
        payload=row.payload,
    )
    return OutgoingMessage(
        queue=row.queue,
        message_id=str(row.id),
        body=envelope.to_bytes(),
        subject=row.type,
        correlation_id=row.correlation_id,
        scheduled_at=row.not_before,
    )


def relay_batch(
    broker: Broker,
    sessions: sessionmaker[Session],
    *,
    ids: Sequence[uuid.UUID] | None = None,
    occurred_before: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> RelayResult:
    """Send one batch of outbox rows (those ids, or the oldest) and delete what was sent."""
    query = select(OutboxMessage).order_by(OutboxMessage.occurred_at).limit(batch_size)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    if occurred_before is not None:
        query = query.where(OutboxMessage.occurred_at < occurred_before)
    with sessions() as session:
        rows = session.scalars(query).all()
        messages = [_outgoing(row) for row in rows]
        batch_ids = [row.id for row in rows]
    if not messages:
        return RelayResult(0, 0)
    try:
        broker.send(messages)
    except Exception as exc:
        error = redact(f"{type(exc).__name__}: {exc}")[:500]
        log.warning(
            "outbox: %d message(s) not sent, kept for the next sweep: %s", len(batch_ids), error
        )
        with sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(batch_ids))
                .values(
                    send_attempts=OutboxMessage.send_attempts + 1,
                    last_send_error=error,
                )
            )
        return RelayResult(0, len(batch_ids), error)
    with sessions.begin() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(batch_ids)))
    return RelayResult(len(batch_ids), 0)


def relay(broker: Broker, sessions: sessionmaker[Session], ids: Sequence[uuid.UUID]) -> None:
    """Send the messages a commit just published, best effort: they are safe in the outbox,
    and whatever is not sent now the sweep sends later."""
    try:
        for start in range(0, len(ids), BATCH_SIZE):
            if relay_batch(broker, sessions, ids=ids[start : start + BATCH_SIZE]).failed:
                return  # the broker is down: leave the rest to the sweep too
    except Exception:
        log.warning("outbox: relay after commit failed; the sweep will send", exc_info=True)


def sweep_outbox(
    broker: Broker,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    grace: timedelta = timedelta(seconds=5),
    max_batches: int = 50,
) -> RelayResult:
    """Send what the relay after commit did not: rows older than `grace`, batch by batch."""
    sent = failed = 0
    error = None
    for _ in range(max_batches):
        result = relay_batch(broker, sessions, occurred_before=now - grace)
        sent += result.sent
        failed += result.failed
        error = result.error or error
        if result.failed or result.sent < BATCH_SIZE:
            break
    return RelayResult(sent, failed, error)
