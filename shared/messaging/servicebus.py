"""Azure Service Bus as the broker: the sender for the outbox relay, and dead-letter tools.

The SDK is imported when first used, never at module import (cold start). One client per
process; one sender per queue, reused by later invocations of a warm instance (opening one
costs a connection and a CBS handshake) and guarded by a lock, since the worker may run
functions on several threads. Receivers are opened only by the operator's commands.

A handler that fails is not retried by abandoning: the Functions host owns the lock and
Service Bus would redeliver at once. `redeliver_later` sends a copy scheduled after the retry
policy's backoff instead (the trigger then returns and the host completes the delivery), and
after the last delivery keeps the message with the rejected ones, as a dead letter.

Queue depths come from peeking (AMQP alone has no counters; the management REST API does,
but it needs another credential scope and endpoint): counts stop at `peek_limit` and are
then reported as capped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.clock import Clock, utc_now
from shared.config import Settings
from shared.domain.errors import DependencyUnavailableError
from shared.messages.base import QUEUES
from shared.messaging.broker import (
    DEAD_LETTER_REASON_MAX_DELIVERIES,
    DELIVERIES_BEFORE_PROPERTY,
    RETRY_OF_PROPERTY,
    DeadLetter,
    Delivery,
    OutgoingMessage,
    QueueStats,
    check_queue_name,
)
from shared.messaging.retries import RetryPolicy

if TYPE_CHECKING:
    from azure.servicebus import ServiceBusClient, ServiceBusReceivedMessage, ServiceBusSender

    from shared.messaging.rejected import RejectedMessages

log = logging.getLogger("lms.servicebus")

SEND_TIMEOUT_SECONDS = 10.0
RECEIVE_WAIT_SECONDS = 2.0
PEEK_LIMIT = 1000


class ServiceBusBroker:
    def __init__(
        self,
        *,
        connection_string: str | None = None,
        fully_qualified_namespace: str | None = None,
        rejected: RejectedMessages | None = None,
        peek_limit: int = PEEK_LIMIT,
        retries: RetryPolicy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        if not (connection_string or fully_qualified_namespace):
            raise ValueError("ServiceBusBroker needs a connection string or a namespace")
        self._connection_string = connection_string
        self._namespace = fully_qualified_namespace
        self.rejected = rejected
        self.peek_limit = peek_limit
        self.retries = retries or RetryPolicy()
        self.clock = clock
        self._client: ServiceBusClient | None = None
        self._senders: dict[str, ServiceBusSender] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        rejected: RejectedMessages | None = None,
        *,
        retries: RetryPolicy | None = None,
        clock: Clock = utc_now,
    ) -> ServiceBusBroker:
        return cls(
            connection_string=settings.ServiceBusConnection,
            fully_qualified_namespace=settings.ServiceBusConnection__fullyQualifiedNamespace,
            rejected=rejected,
            retries=retries or RetryPolicy.from_settings(settings),
            clock=clock,
        )

    def __repr__(self) -> str:
        where = "<connection string>" if self._connection_string else self._namespace
        return f"ServiceBusBroker({where!r})"

    def _get_client(self) -> ServiceBusClient:
        if self._client is None:
            from azure.servicebus import ServiceBusClient

            # A request waiting on a down broker must give up quickly: the outbox keeps the
            # message and the sweep sends it later.
            options: dict[str, Any] = {"retry_total": 1, "retry_backoff_factor": 0.5}
            if self._connection_string:
                self._client = ServiceBusClient.from_connection_string(
                    self._connection_string, **options
                )
            else:
                from azure.identity import DefaultAzureCredential

                assert self._namespace is not None
                self._client = ServiceBusClient(
                    self._namespace, DefaultAzureCredential(), **options
                )
        return self._client

    def close(self) -> None:
        with self._lock:
            for sender in self._senders.values():
                sender.close()
            self._senders.clear()
            if self._client is not None:
                self._client.close()
                self._client = None

    # --- sending
    def send(self, messages: Sequence[OutgoingMessage]) -> None:
        by_queue: dict[str, list[OutgoingMessage]] = {}
        for message in messages:
            by_queue.setdefault(check_queue_name(message.queue), []).append(message)
        with self._lock:
            for queue, batch in by_queue.items():
                self._send_to(queue, batch)

    def _send_to(self, queue: str, messages: list[OutgoingMessage]) -> None:
        from azure.servicebus.exceptions import MessageSizeExceededError

        sender = self._senders.get(queue)
        if sender is None:
            sender = self._get_client().get_queue_sender(queue, keep_alive=None)
            self._senders[queue] = sender
        try:
            batch = sender.create_message_batch()
            for message in messages:
                try:
                    batch.add_message(_to_sdk_message(message))
                except MessageSizeExceededError:
                    sender.send_messages(batch, timeout=SEND_TIMEOUT_SECONDS)
                    batch = sender.create_message_batch()
                    batch.add_message(_to_sdk_message(message))
            sender.send_messages(batch, timeout=SEND_TIMEOUT_SECONDS)
        except Exception:
            # A broken link is not reused; the next send opens a new one.
            self._senders.pop(queue, None)
            sender.close()
            raise

    # --- operating
    def check(self) -> None:
        try:
            with self._receiver(QUEUES[0], dead_letter=False) as receiver:
                receiver.peek_messages(max_message_count=1, timeout=5)
        except Exception as exc:
            log.warning("readiness: Service Bus check failed: %s", type(exc).__name__)
            raise DependencyUnavailableError("Service Bus does not answer") from exc

    def stats(self, queue: str) -> QueueStats:
        from azure.servicebus import ServiceBusMessageState

        now = datetime.now(UTC)
        with self._receiver(check_queue_name(queue), dead_letter=False) as receiver:
            peeked = self._peek_all(receiver)
        with self._receiver(queue, dead_letter=True) as receiver:
            dead = self._peek_all(receiver)
        active = [m for m in peeked if m.state == ServiceBusMessageState.ACTIVE]
        scheduled = [m for m in peeked if m.state == ServiceBusMessageState.SCHEDULED]
        oldest = min((m.enqueued_time_utc for m in active if m.enqueued_time_utc), default=None)
        rejected = self.rejected.count(queue) if self.rejected is not None else 0
        return QueueStats(
            queue=queue,
            active=len(active),
            scheduled=len(scheduled),
            dead_lettered=len(dead) + rejected,
            oldest_active_age_seconds=(now - oldest).total_seconds() if oldest else None,
            capped=len(peeked) >= self.peek_limit or len(dead) >= self.peek_limit,
        )

    def dead_letters(self, queue: str, limit: int = 50) -> list[DeadLetter]:
        with self._receiver(check_queue_name(queue), dead_letter=True) as receiver:
            peeked = self._peek_all(receiver, limit)
        found = [_dead_letter(queue, m) for m in peeked]
        if self.rejected is not None and len(found) < limit:
            found += self.rejected.dead_letters(queue, limit - len(found))
        return found

    def replay_dead_letters(self, queue: str, message_ids: Sequence[str] | None = None) -> int:
        def resend(message: ServiceBusReceivedMessage) -> None:
            self.send([_outgoing_copy(queue, message)])

        replayed = self._settle_dead_letters(queue, message_ids, resend)
        if self.rejected is not None:
            outgoing = self.rejected.outgoing(queue, message_ids)
            self.send(outgoing)
            replayed += self.rejected.remove(queue, [m.message_id for m in outgoing])
        return replayed

    def purge_dead_letters(self, queue: str, message_ids: Sequence[str] | None = None) -> int:
        purged = self._settle_dead_letters(queue, message_ids, lambda message: None)
        if self.rejected is not None:
            purged += self.rejected.remove(queue, message_ids)
        return purged

    def redeliver_later(self, delivery: Delivery, error: str) -> bool:
        """Schedule a copy of the message after the backoff, or keep it as a dead letter after
        the last delivery. Raises when the copy cannot be sent: the host then abandons the
        delivery and Service Bus redelivers it, with the count still right."""
        if self.retries.is_last(delivery.delivery_count):
            self.reject(delivery, DEAD_LETTER_REASON_MAX_DELIVERIES, error)
            return True
        # The copy needs an id of its own: Service Bus's duplicate detection would drop one
        # that reused the original's within its window.
        copy = OutgoingMessage(
            queue=delivery.queue,
            message_id=f"{delivery.message_id}.retry{delivery.delivery_count}",
            body=delivery.body,
            subject=delivery.subject or "",
            correlation_id=delivery.correlation_id,
            scheduled_at=self.clock() + self.retries.delay(delivery.delivery_count),
            application_properties={
                RETRY_OF_PROPERTY: delivery.message_id,
                DELIVERIES_BEFORE_PROPERTY: delivery.delivery_count,
            },
        )
        self.send([copy])
        return True

    def reject(self, delivery: Delivery, reason: str, description: str) -> None:
        """Keep the poison message in the database; the delivery then completes. The Python
        worker cannot dead-letter from a trigger (see shared/domain/rejected_messages.py)."""
        if self.rejected is None:
            raise RuntimeError("this ServiceBusBroker was built without a rejected-message store")
        self.rejected.add(delivery, reason, description)

    def _settle_dead_letters(
        self,
        queue: str,
        message_ids: Sequence[str] | None,
        before_complete: Callable[[ServiceBusReceivedMessage], None],
    ) -> int:
        wanted = None if message_ids is None else set(message_ids)
        done = 0
        skipped: list[ServiceBusReceivedMessage] = []
        with self._receiver(check_queue_name(queue), dead_letter=True) as receiver:
            while batch := receiver.receive_messages(
                max_message_count=50, max_wait_time=RECEIVE_WAIT_SECONDS
            ):
                for message in batch:
                    if wanted is not None and str(message.message_id) not in wanted:
                        skipped.append(message)  # keep its lock until the end: seen once
                        continue
                    before_complete(message)
                    receiver.complete_message(message)
                    done += 1
                if wanted is not None and done == len(wanted):
                    break
            for message in skipped:
                receiver.abandon_message(message)
        return done

    @contextmanager
    def _receiver(self, queue: str, *, dead_letter: bool) -> Iterator[Any]:
        from azure.servicebus import ServiceBusSubQueue

        sub_queue = ServiceBusSubQueue.DEAD_LETTER if dead_letter else None
        receiver = self._get_client().get_queue_receiver(
            queue, sub_queue=sub_queue, max_wait_time=RECEIVE_WAIT_SECONDS
        )
        with receiver:
            yield receiver

    def _peek_all(self, receiver: Any, limit: int | None = None) -> list[ServiceBusReceivedMessage]:
        limit = limit or self.peek_limit
        found: list[ServiceBusReceivedMessage] = []
        sequence = 0
        while len(found) < limit:
            page = receiver.peek_messages(
                max_message_count=min(100, limit - len(found)), sequence_number=sequence
            )
            if not page:
                break
            found.extend(page)
            sequence = max(m.sequence_number or 0 for m in page) + 1
        return found


def _to_sdk_message(message: OutgoingMessage) -> Any:
    from azure.servicebus import ServiceBusMessage

    properties: dict[Any, Any] | None = (
        dict(message.application_properties) if message.application_properties else None
    )
    return ServiceBusMessage(
        message.body,
        message_id=message.message_id,
        subject=message.subject,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        scheduled_enqueue_time_utc=message.scheduled_at,
        application_properties=properties,
    )


def _body_of(message: ServiceBusReceivedMessage) -> bytes:
    return b"".join(bytes(part) for part in message.body)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _dead_letter(queue: str, message: ServiceBusReceivedMessage) -> DeadLetter:
    return DeadLetter(
        queue=queue,
        message_id=str(message.message_id),
        subject=_text(message.subject),
        reason=_text(message.dead_letter_reason),
        description=_text(message.dead_letter_error_description),
        delivery_count=int(message.delivery_count or 0),
        enqueued_at=message.enqueued_time_utc,
        body=_body_of(message),
    )


def _outgoing_copy(queue: str, message: ServiceBusReceivedMessage) -> OutgoingMessage:
    return OutgoingMessage(
        queue=queue,
        message_id=str(message.message_id),
        body=_body_of(message),
        subject=_text(message.subject) or "",
        correlation_id=_text(message.correlation_id),
        content_type=_text(message.content_type) or "application/json",
    )
