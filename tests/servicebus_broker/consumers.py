"""Handing queue messages to the SDK's receive links, and settling what the receivers answer.

Peek-lock receivers attach with receiver-settle-mode `second`: the SDK sends its disposition
unsettled and waits until the broker settles it with the outcome it applied (`accepted`,
`modified`, `rejected` without an error), raising on anything else. A lock that is no longer
held comes back as `rejected` with `com.microsoft:message-lock-lost`, which the SDK turns into
MessageLockLostError. Receive-and-delete receivers attach with sender-settle-mode `settled`
and get pre-settled deliveries.

Runs only on the reactor thread: proton objects are not thread-safe.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from proton import Condition, Delivery, Endpoint, Link, Sender

from .queues import DeadLetterNotAllowedError, LockLostError, MessageQueue
from .rendering import DEAD_LETTER_ERROR_DESCRIPTION, DEAD_LETTER_REASON, outgoing_bytes

MESSAGE_LOCK_LOST = "com.microsoft:message-lock-lost"
ACTIVE = Endpoint.LOCAL_ACTIVE | Endpoint.REMOTE_ACTIVE


class Consumers:
    """The receive links attached to each queue."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._links: dict[str, list[Sender]] = {}

    def add(self, link: Sender, queue: MessageQueue) -> None:
        # proton keeps Python attributes on the underlying link, so later events see them.
        link.broker_queue = queue
        link.peek_lock = link.remote_snd_settle_mode != Link.SND_SETTLED
        self._links.setdefault(queue.name, []).append(link)

    def remove_where(self, predicate: Callable[[Sender], bool]) -> None:
        for name, links in list(self._links.items()):
            self._links[name] = [link for link in links if not predicate(link)]

    def pump_all(self) -> None:
        for links in list(self._links.values()):
            if links:
                self.pump(links[0].broker_queue)

    def pump(self, queue: MessageQueue) -> None:
        """Deliver available messages to this queue's links while they have credit, in turn."""
        links = self._links.get(queue.name, [])
        while True:
            ready = [link for link in links if link.credit > 0 and link.state & ACTIVE == ACTIVE]
            if not ready:
                return
            for link in ready:
                if not self._deliver_one(link, queue):
                    return
                links.remove(link)
                links.append(link)

    def on_flow(self, link: Sender) -> None:
        self.pump(link.broker_queue)
        if link.drain_mode:
            # Nothing more to send: give back the credit so the SDK's drain completes.
            link.drained()

    def on_disposition(self, delivery: Delivery) -> None:
        """The receiver settled (or asked to settle) one of our deliveries."""
        link = delivery.link
        if not hasattr(link, "broker_queue") or not link.peek_lock:
            return
        state = delivery.remote_state
        if state not in (
            Delivery.ACCEPTED,
            Delivery.RELEASED,
            Delivery.MODIFIED,
            Delivery.REJECTED,
        ):
            if delivery.settled:
                # Settled with no outcome: the default outcome of a Service Bus source.
                state = Delivery.RELEASED
            else:
                return
        queue: MessageQueue = link.broker_queue
        try:
            self._apply(queue, delivery, state)
            self._echo(delivery, state)
        except LockLostError as error:
            delivery.local.condition = Condition(MESSAGE_LOCK_LOST, str(error))
            delivery.update(Delivery.REJECTED)
        except (DeadLetterNotAllowedError, NotImplementedError) as error:
            delivery.local.condition = Condition("amqp:not-allowed", str(error))
            delivery.update(Delivery.REJECTED)
        delivery.settle()
        self.pump(queue)

    def _deliver_one(self, link: Sender, queue: MessageQueue) -> bool:
        message = queue.receive(self._clock(), lock=link.peek_lock)
        if message is None:
            return False
        # The SDK reads the lock token back from the delivery tag (uuid bytes_le).
        token = message.lock_token or uuid.uuid4()
        delivery = link.delivery(token.bytes_le)
        # Kept beside the tag because proton's Python API reads tags back as UTF-8 text.
        delivery.lock_token = token
        link.send(outgoing_bytes(message))
        link.advance()
        if not link.peek_lock:
            delivery.settle()
        return True

    def _apply(self, queue: MessageQueue, delivery: Delivery, state: object) -> None:
        token: uuid.UUID = delivery.lock_token
        now = self._clock()
        remote = delivery.remote
        if state == Delivery.ACCEPTED:
            queue.complete(token)
        elif state == Delivery.RELEASED:
            queue.abandon(token, now, count_delivery=False)
        elif state == Delivery.MODIFIED:
            if remote.undeliverable:
                # The SDK's defer(); deferred messages need receive-by-sequence-number.
                raise NotImplementedError("the test broker does not support deferring messages")
            queue.abandon(token, now, count_delivery=remote.failed)
        else:
            info = (remote.condition.info if remote.condition else None) or {}
            queue.dead_letter(
                token,
                now,
                reason=info.get(DEAD_LETTER_REASON),
                description=info.get(DEAD_LETTER_ERROR_DESCRIPTION),
            )

    @staticmethod
    def _echo(delivery: Delivery, state: object) -> None:
        # Echo the outcome the receiver asked for, without an error: the SDK treats a
        # `rejected` that carries an error as a failed settlement, even for a dead-letter.
        if state == Delivery.MODIFIED:
            delivery.local.failed = delivery.remote.failed
            delivery.local.undeliverable = delivery.remote.undeliverable
        delivery.update(state)
