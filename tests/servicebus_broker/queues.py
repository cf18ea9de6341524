"""One Service Bus queue in memory: peek-lock, delivery count, dead-lettering, scheduled enqueue.

The broker's reactor thread and the test thread (inspecting state) both use these objects, so
every public method takes the lock that a queue shares with its dead-letter queue.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"


class LockLostError(Exception):
    """The lock token names no locked message: the lock expired or the message was settled."""


class DeadLetterNotAllowedError(Exception):
    """A dead-letter queue has no dead-letter queue of its own."""


@dataclass
class QueuedMessage:
    """A message as the queue holds it: the sender's bytes plus the broker's bookkeeping."""

    sequence_number: int
    encoded: bytes
    message_id: str | None
    enqueued_at: float
    visible_at: float
    delivery_count: int = 0
    lock_token: uuid.UUID | None = None
    locked_until: float | None = None
    dead_letter_source: str | None = None
    dead_letter_reason: str | None = None
    dead_letter_error_description: str | None = None

    def is_scheduled(self, now: float) -> bool:
        """Waiting for its scheduled enqueue time."""
        return self.visible_at > now


class MessageQueue:
    """A queue (or a dead-letter queue, when `dead_letter_queue` is None)."""

    def __init__(
        self,
        name: str,
        *,
        lock: threading.RLock,
        lock_duration: float,
        max_delivery_count: int,
        dead_letter_queue: MessageQueue | None,
    ) -> None:
        self.name = name
        self.lock_duration = lock_duration
        self.max_delivery_count = max_delivery_count
        self.dead_letter_queue = dead_letter_queue
        self._lock = lock
        self._messages: dict[int, QueuedMessage] = {}  # by sequence number, so in queue order
        self._locked: dict[uuid.UUID, QueuedMessage] = {}
        self._last_sequence_number = 0

    def __repr__(self) -> str:
        return f"<MessageQueue {self.name!r} messages={len(self._messages)}>"

    def enqueue(
        self,
        encoded: bytes,
        *,
        message_id: str | None,
        now: float,
        visible_at: float | None = None,
    ) -> QueuedMessage:
        with self._lock:
            self._last_sequence_number += 1
            message = QueuedMessage(
                sequence_number=self._last_sequence_number,
                encoded=encoded,
                message_id=message_id,
                enqueued_at=now,
                visible_at=max(now, visible_at or now),
            )
            self._messages[message.sequence_number] = message
            return message

    def receive(self, now: float, *, lock: bool) -> QueuedMessage | None:
        """The next available message: locked (peek-lock) or removed (receive-and-delete)."""
        with self._lock:
            message = next(
                (
                    m
                    for m in self._messages.values()
                    if m.lock_token is None and m.visible_at <= now
                ),
                None,
            )
            if message is None:
                return None
            message.delivery_count += 1
            if lock:
                message.lock_token = uuid.uuid4()
                message.locked_until = now + self.lock_duration
                self._locked[message.lock_token] = message
            else:
                del self._messages[message.sequence_number]
            return message

    def complete(self, lock_token: uuid.UUID) -> None:
        with self._lock:
            message = self._take_lock(lock_token)
            del self._messages[message.sequence_number]

    def abandon(self, lock_token: uuid.UUID, now: float, *, count_delivery: bool = True) -> None:
        """Make the message available again; `count_delivery=False` for AMQP `released`.

        A release means the receiver never looked at the message (the SDK releases what
        arrives while no receive call is waiting), so, as in Service Bus, it does not count
        as a delivery attempt.
        """
        with self._lock:
            message = self._take_lock(lock_token)
            if not count_delivery:
                message.delivery_count -= 1
            self._dead_letter_if_exhausted(message, now)

    def dead_letter(
        self, lock_token: uuid.UUID, now: float, *, reason: str | None, description: str | None
    ) -> None:
        with self._lock:
            if self.dead_letter_queue is None:
                raise DeadLetterNotAllowedError(f"{self.name} is itself a dead-letter queue")
            message = self._take_lock(lock_token)
            self._move_to_dead_letter_queue(message, now, reason, description)

    def renew_lock(self, lock_token: uuid.UUID, now: float) -> float:
        with self._lock:
            message = self._locked.get(lock_token)
            if message is None:
                raise LockLostError(f"lock {lock_token} is not held on {self.name}")
            message.locked_until = now + self.lock_duration
            return message.locked_until

    def expire_locks(self, now: float) -> None:
        """Unlock every message whose lock ran out; it counts as an abandoned delivery."""
        with self._lock:
            for token, message in list(self._locked.items()):
                if message.locked_until is not None and message.locked_until <= now:
                    self.abandon(token, now)

    def cancel_scheduled(self, sequence_numbers: list[int], now: float) -> None:
        with self._lock:
            for number in sequence_numbers:
                message = self._messages.get(number)
                if message is not None and message.is_scheduled(now):
                    del self._messages[number]

    def peek(self, from_sequence_number: int, count: int) -> list[QueuedMessage]:
        with self._lock:
            found = [
                m for m in self._messages.values() if m.sequence_number >= from_sequence_number
            ]
            return found[:count]

    def messages(self) -> list[QueuedMessage]:
        """Everything in the queue, locked and scheduled messages included (for inspection)."""
        with self._lock:
            return list(self._messages.values())

    def _take_lock(self, lock_token: uuid.UUID) -> QueuedMessage:
        message = self._locked.pop(lock_token, None)
        if message is None:
            raise LockLostError(
                f"lock {lock_token} is not held on {self.name}: it expired or was settled"
            )
        message.lock_token = None
        message.locked_until = None
        return message

    def _dead_letter_if_exhausted(self, message: QueuedMessage, now: float) -> None:
        if self.dead_letter_queue is None or message.delivery_count < self.max_delivery_count:
            return
        self._move_to_dead_letter_queue(
            message,
            now,
            MAX_DELIVERY_COUNT_EXCEEDED,
            f"Message could not be consumed after {self.max_delivery_count} delivery attempts.",
        )

    def _move_to_dead_letter_queue(
        self, message: QueuedMessage, now: float, reason: str | None, description: str | None
    ) -> None:
        assert self.dead_letter_queue is not None
        del self._messages[message.sequence_number]
        dead = self.dead_letter_queue.enqueue(
            message.encoded, message_id=message.message_id, now=now
        )
        dead.dead_letter_source = self.name
        dead.dead_letter_reason = reason
        dead.dead_letter_error_description = description
