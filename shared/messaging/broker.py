"""What every broker does for the rest of the system: send, report, and manage dead letters.

Two implementations: `local.LocalBroker` (a table in the application database, the default)
and `servicebus.ServiceBusBroker` (Azure Service Bus); shared/bootstrap.py builds the one
BROKER names. Consumers do not use this interface:
in Azure the Functions host receives for them, locally the local host does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.messages.base import QUEUES

DEAD_LETTER_REASON_MAX_DELIVERIES = "MaxDeliveryCountExceeded"


@dataclass(frozen=True)
class OutgoingMessage:
    queue: str
    message_id: str
    body: bytes
    subject: str
    correlation_id: str | None = None
    scheduled_at: datetime | None = None
    content_type: str = "application/json"


@dataclass(frozen=True)
class Delivery:
    """One delivery of a message to a queue trigger, as the consumer and `reject` see it."""

    queue: str
    message_id: str
    body: bytes
    delivery_count: int
    sequence_number: int | None = None
    lock_token: str | None = None
    subject: str | None = None

    @classmethod
    def of(cls, queue: str, message: Any) -> Delivery:
        """The delivery an azure.functions.ServiceBusMessage (or anything shaped like one)
        describes."""
        return cls(
            queue=queue,
            message_id=str(message.message_id),
            body=message.get_body(),
            delivery_count=int(message.delivery_count or 1),
            sequence_number=message.sequence_number,
            lock_token=str(message.lock_token) if message.lock_token else None,
            subject=message.subject or message.label,
        )


@dataclass(frozen=True)
class QueueStats:
    queue: str
    active: int
    scheduled: int
    dead_lettered: int
    oldest_active_age_seconds: float | None
    capped: bool = False  # counts stopped at the broker adapter's peek limit


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str
    subject: str | None
    reason: str | None
    description: str | None
    delivery_count: int
    enqueued_at: datetime | None
    body: bytes


class Broker(Protocol):
    def send(self, messages: Sequence[OutgoingMessage]) -> None:
        """Enqueue every message or raise; a message id already enqueued is not stored twice."""
        ...

    def check(self) -> None:
        """Raise DependencyUnavailableError, with a reason safe to show, when unusable."""
        ...

    def stats(self, queue: str) -> QueueStats: ...

    def dead_letters(self, queue: str, limit: int = 50) -> list[DeadLetter]: ...

    def replay_dead_letters(self, queue: str, message_ids: Sequence[str] | None = None) -> int:
        """Put dead letters (all, or those ids) back on the queue; return how many."""
        ...

    def purge_dead_letters(self, queue: str, message_ids: Sequence[str] | None = None) -> int:
        """Delete dead letters (all, or those ids); return how many."""
        ...

    def reject(self, delivery: Delivery, reason: str, description: str) -> None:
        """Take a poison message out of its queue now, keeping it with the dead letters
        (listed, shown, replayed and purged like them), instead of retrying it."""
        ...

    def close(self) -> None:
        """Release connections (a process shutting down, a test switching settings)."""
        ...


def check_queue_name(queue: str) -> str:
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; the queues are {', '.join(QUEUES)}")
    return queue
