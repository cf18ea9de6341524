"""What every broker does for the rest of the system: send, report, and manage dead letters.

Two implementations: `local.LocalBroker` (a table in the application database, the default)
and `servicebus.ServiceBusBroker` (Azure Service Bus). Consumers do not use this interface:
in Azure the Functions host receives for them, locally the local host does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.config import Settings

# The reference's Celery queues, one queue trigger each.
QUEUES = ("emails", "progress", "certificates", "webhooks")
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


def check_queue_name(queue: str) -> str:
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; the queues are {', '.join(QUEUES)}")
    return queue


_cached: tuple[Settings, Broker] | None = None


def get_broker(settings: Settings) -> Broker:
    """The broker BROKER names, reused while the settings object is the same. No I/O here."""
    global _cached
    if _cached is not None and _cached[0] is settings:
        return _cached[1]
    broker: Broker
    if settings.BROKER == "servicebus":
        from shared.messaging.servicebus import ServiceBusBroker

        broker = ServiceBusBroker.from_settings(settings)
    else:
        from shared.messaging.local import LocalBroker

        broker = LocalBroker.from_settings(settings)
    _cached = (settings, broker)
    return broker
