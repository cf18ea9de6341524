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
# A retry that Service Bus delivers as a scheduled copy (ServiceBusBroker.redeliver_later)
# carries the original message id and the deliveries made so far in these properties.
RETRY_OF_PROPERTY = "lms-retry-of"
DELIVERIES_BEFORE_PROPERTY = "lms-deliveries-before"


@dataclass(frozen=True)
class OutgoingMessage:
    queue: str
    message_id: str
    body: bytes
    subject: str
    correlation_id: str | None = None
    scheduled_at: datetime | None = None
    content_type: str = "application/json"
    application_properties: dict[str, str | int] | None = None


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
    correlation_id: str | None = None

    @classmethod
    def of(cls, queue: str, message: Any) -> Delivery:
        """The delivery an azure.functions.ServiceBusMessage (or anything shaped like one)
        describes. A scheduled retry copy is seen as the message it retries: its original id
        (the inbox and the mail's Message-ID key on it) and the deliveries of every copy."""
        properties = dict(message.application_properties or message.user_properties or {})
        original = properties.get(RETRY_OF_PROPERTY)
        before = _count(properties.get(DELIVERIES_BEFORE_PROPERTY))
        return cls(
            queue=queue,
            message_id=str(original or message.message_id),
            body=message.get_body(),
            delivery_count=before + int(message.delivery_count or 1),
            sequence_number=message.sequence_number,
            lock_token=str(message.lock_token) if message.lock_token else None,
            subject=message.subject or message.label,
            correlation_id=message.correlation_id,
        )


def _count(value: object) -> int:
    """A carried delivery count; anything but a small non-negative integer counts as none."""
    try:
        count = int(str(value)) if value is not None else 0
    except ValueError:
        return 0
    return count if 0 <= count <= 1000 else 0


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

    def redeliver_later(self, delivery: Delivery, error: str) -> bool:
        """Arrange the next delivery of a message whose handler failed, after the retry
        policy's backoff, or dead-letter it after the last delivery (reason
        MaxDeliveryCountExceeded, `error` as the description). True when done here (the
        trigger returns and its delivery completes); False when the host's abandon does it."""
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
