"""Queue triggers on the local host: each queue function is fed from the local broker.

One thread per queue trigger receives a few messages at a time with a peek-lock, calls the
function with an `azure.functions.ServiceBusMessage` as the Functions host would, completes
the message when the function returns and abandons it when it raises; the broker counts the
deliveries, makes an abandoned message visible again after the retry policy's backoff
(shared/messaging/retries.py) and dead-letters after the last delivery. Several `lms serve`
processes may consume the same database: the broker's locks keep each message with one of them.

An idle queue is not polled in a loop: after an empty receive the thread sleeps, twice as long
each time up to MAX_IDLE_WAIT_SECONDS, and a send in this process (the relay after a commit,
the outbox sweep) wakes it at once. Messages sent by another process (or due later) are seen
within MAX_IDLE_WAIT_SECONDS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from azure.functions.servicebus import ServiceBusMessage

from shared import bootstrap
from shared.local.app_functions import QueueFunction
from shared.messaging.local import LocalBroker, MessageLockLostError, ReceivedMessage
from shared.observability.logging import redact
from shared.services.heartbeats import consumer_beats

log = logging.getLogger("lms.local.queues")

MIN_IDLE_WAIT_SECONDS = 0.05
MAX_IDLE_WAIT_SECONDS = 5.0
RECEIVE_BATCH = 8


def as_service_bus_message(message: ReceivedMessage) -> ServiceBusMessage:
    return ServiceBusMessage(
        body=message.body,
        message_id=message.message_id,
        delivery_count=message.delivery_count,
        enqueued_time_utc=message.enqueued_at,
        sequence_number=message.sequence_number,
        lock_token=str(message.lock_token),
        locked_until=message.locked_until,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        subject=message.subject,
        label=message.subject,
        application_properties=dict(message.application_properties),
        user_properties=dict(message.application_properties),
    )


class QueueConsumer:
    def __init__(
        self,
        functions: Sequence[QueueFunction],
        broker: LocalBroker,
        *,
        min_idle_wait: float = MIN_IDLE_WAIT_SECONDS,
        max_idle_wait: float = MAX_IDLE_WAIT_SECONDS,
    ) -> None:
        self.functions = list(functions)
        self.broker = broker
        self.min_idle_wait = min_idle_wait
        self.max_idle_wait = max_idle_wait
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._doorbells = {f.queue_name: threading.Event() for f in self.functions}
        broker.on_send(self.wake)

    def wake(self, queue: str) -> None:
        """Messages were sent to `queue`: its consumer receives now instead of sleeping on."""
        doorbell = self._doorbells.get(queue)
        if doorbell is not None:
            doorbell.set()

    def start(self) -> None:
        for function in self.functions:
            thread = threading.Thread(
                target=self._run, args=(function,), name=f"queue:{function.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for doorbell in self._doorbells.values():
            doorbell.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _run(self, function: QueueFunction) -> None:
        failing: str | None = None
        doorbell = self._doorbells[function.queue_name]
        idle_wait = self.min_idle_wait
        while not self._stop.is_set():
            doorbell.clear()  # before receiving: a send from now on rings again
            try:
                messages = self.broker.receive(function.queue_name, RECEIVE_BATCH)
                failing = None
                # Alive and able to reach the queue, messages or not (at most every 30 s).
                consumer_beats.beat(bootstrap.current(), function.queue_name)
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                if reason != failing:  # log each new problem once, not at every retry
                    log.error("queue %s: cannot receive (%s)", function.queue_name, reason)
                    failing = reason
                messages = []
            if not messages:
                if doorbell.wait(idle_wait):
                    idle_wait = self.min_idle_wait
                else:
                    idle_wait = min(idle_wait * 2, self.max_idle_wait)
                continue
            idle_wait = self.min_idle_wait
            for message in messages:
                self.deliver(function, message)

    def deliver(self, function: QueueFunction, message: ReceivedMessage) -> bool:
        """Run the function on one received message and settle it; True when it succeeded."""
        error = None
        try:
            function.call(as_service_bus_message(message))
        except Exception as exc:
            error = redact(f"{type(exc).__name__}: {exc}")
            log.warning(
                "%s failed on message %s (delivery %d): %s",
                function.name,
                message.message_id,
                message.delivery_count,
                error,
            )
        try:
            if error is None:
                self.broker.complete(message)
            else:
                self.broker.abandon(message, error)
        except MessageLockLostError as exc:
            log.warning("%s", exc)
        return error is None
