"""The broker's queues by name, and how link addresses map onto them.

The SDK addresses a queue as `amqps://<host>:<port>/<queue>` on receive links, as `<queue>` on
management links, and the dead-letter sub-queue as `<queue>/$DeadLetterQueue`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import urlparse

from . import codec
from .queues import MessageQueue, QueuedMessage

DEAD_LETTER_SUFFIX = "/$DeadLetterQueue"
MANAGEMENT_SUFFIX = "$management"
SCHEDULED_ENQUEUE_TIME = "x-opt-scheduled-enqueue-time"


class EntityNotFoundError(LookupError):
    """No queue of that name, and the broker was started with a fixed set of queues."""


def entity_path(address: str | None) -> str:
    """`amqps://host:port/emails/$DeadLetterQueue` -> `emails/$DeadLetterQueue`."""
    address = address or ""
    if "://" in address:
        address = urlparse(address).path
    return address.strip("/")


def is_management_node(address: str | None) -> bool:
    return entity_path(address).endswith(MANAGEMENT_SUFFIX)


class Namespace:
    """All queues of one broker. `queue_names=None` creates queues on first use."""

    def __init__(
        self,
        queue_names: Iterable[str] | None,
        *,
        lock_duration: float,
        max_delivery_count: int,
    ) -> None:
        self.lock_duration = lock_duration
        self.max_delivery_count = max_delivery_count
        self._lock = threading.RLock()
        self._queues: dict[str, MessageQueue] = {}
        self._create_on_first_use = queue_names is None
        for name in queue_names or ():
            self._create(name)

    def queue(self, address: str | None) -> MessageQueue:
        """The queue (or dead-letter queue) a link or management node address names."""
        path = entity_path(address)
        if path.endswith(MANAGEMENT_SUFFIX):
            path = path[: -len(MANAGEMENT_SUFFIX)].rstrip("/")
        is_dead_letter = path.lower().endswith(DEAD_LETTER_SUFFIX.lower())
        name = path[: -len(DEAD_LETTER_SUFFIX)] if is_dead_letter else path
        with self._lock:
            queue = self._queues.get(name)
            if queue is None:
                if not self._create_on_first_use or not name or "$" in name:
                    raise EntityNotFoundError(
                        f"The messaging entity '{name}' could not be found: start the test broker "
                        "with it in `queues`, or with queues=None to create queues on first use."
                    )
                queue = self._create(name)
        if is_dead_letter:
            assert queue.dead_letter_queue is not None
            return queue.dead_letter_queue
        return queue

    def queues(self) -> list[MessageQueue]:
        """Every queue and every dead-letter queue."""
        with self._lock:
            mains = list(self._queues.values())
        return mains + [q.dead_letter_queue for q in mains if q.dead_letter_queue is not None]

    def send(self, address: str | None, encoded: bytes, now: float) -> list[QueuedMessage]:
        """Enqueue one transfer from a sender link (an SDK batch becomes several messages)."""
        queue = self.queue(address)
        return [enqueue_encoded(queue, message, now) for message in codec.unbatch(encoded)]

    def _create(self, name: str) -> MessageQueue:
        dead_letter_queue = MessageQueue(
            name + DEAD_LETTER_SUFFIX,
            lock=self._lock,
            lock_duration=self.lock_duration,
            max_delivery_count=self.max_delivery_count,
            dead_letter_queue=None,
        )
        queue = MessageQueue(
            name,
            lock=self._lock,
            lock_duration=self.lock_duration,
            max_delivery_count=self.max_delivery_count,
            dead_letter_queue=dead_letter_queue,
        )
        self._queues[name] = queue
        return queue


def enqueue_encoded(queue: MessageQueue, encoded: bytes, now: float) -> QueuedMessage:
    """Enqueue one encoded message, honouring its scheduled enqueue time annotation."""
    properties = codec.section_value(encoded, codec.PROPERTIES) or []
    message_id = properties[0] if properties else None
    annotations = codec.section_value(encoded, codec.MESSAGE_ANNOTATIONS) or {}
    scheduled = annotations.get(SCHEDULED_ENQUEUE_TIME)
    return queue.enqueue(
        encoded,
        message_id=None if message_id is None else str(message_id),
        now=now,
        # AMQP timestamps are milliseconds since the epoch.
        visible_at=None if scheduled is None else int(scheduled) / 1000.0,
    )
