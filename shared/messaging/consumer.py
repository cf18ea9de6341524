"""Idempotent consumers: each queue has a table of handlers, each message one effect.

    HANDLERS = HandlerTable("progress", {
        CourseEnrollmentsChanged: on_enrollments_changed,
        EnrollmentCompleted: on_enrollment_completed,
    })

    def on_enrollment_completed(uow: UnitOfWork, message: EnrollmentCompleted) -> None: ...

A handler names what it needs by parameter: `uow` (the unit of work its writes commit in),
`message` (the payload, parsed into its model), `delivery` (message id, queue, delivery count)
and `deps` (settings, mail transport, ...). One event may go to several queues
(`enrollment.completed` to `progress` for the course figures and to `webhooks` for
subscribers); each queue's table has its own handler.

`consume` runs the handler and records `(queue, message_id)` in the inbox in the same
transaction, then commits; the handler must not commit itself. A redelivered message finds
its inbox row and is acknowledged without running the handler again. When two copies race,
the second commit fails on the inbox key and the broker redelivers it into the first case.
A handler that raises leaves nothing behind; the broker delivers it again after a backoff
(shared/messaging/retries.py), then dead-letters.

A message no retry can help is poison: not an envelope, a type this queue has no handler for,
a payload that does not validate, or a version newer than this code. It is rejected at once
with the reason (`Broker.reject`), not delivered ten times first.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.domain.inbox import ProcessedMessage
from shared.messages.base import Message
from shared.messaging.broker import Delivery, check_queue_name
from shared.messaging.envelope import Envelope, MalformedMessageError
from shared.observability import metrics
from shared.observability.context import log_fields, request_context
from shared.observability.logging import redact

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.consumer")


def _beats() -> Any:
    # The heartbeats live with the services (they write a table); imported on first use.
    from shared.services.heartbeats import consumer_beats

    return consumer_beats


Handler = Callable[..., None]
INJECTED = ("uow", "message", "delivery", "deps")


class PoisonMessageError(Exception):
    """A message no retry can help; it is rejected (dead-lettered) at once."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(f"{reason}: {description}")
        self.reason = reason
        self.description = description


class HandlerTable:
    """The handlers of one queue, by message class; checked when built, so a wrong table
    fails at import (and in the tests), not on the first message."""

    def __init__(self, queue: str, handlers: Mapping[type[Message], Handler]) -> None:
        self.queue = check_queue_name(queue)
        self._handlers: dict[str, tuple[type[Message], Handler, tuple[str, ...]]] = {}
        for message_class, handler in handlers.items():
            if queue not in message_class.queues:
                raise ValueError(
                    f"{message_class.__name__} is not published to {queue!r} "
                    f"(its queues: {', '.join(message_class.queues)})"
                )
            parameters = tuple(inspect.signature(handler).parameters)
            unknown = [name for name in parameters if name not in INJECTED]
            if unknown:
                raise ValueError(
                    f"{handler.__qualname__}: parameters {unknown} are not handed to handlers; "
                    f"use some of {', '.join(INJECTED)}"
                )
            self._handlers[message_class.type] = (message_class, handler, parameters)

    def __repr__(self) -> str:
        return f"HandlerTable({self.queue!r}, {sorted(self._handlers)})"

    @property
    def message_types(self) -> list[str]:
        return sorted(self._handlers)

    def parse(self, delivery: Delivery) -> tuple[Envelope, Message, Handler, tuple[str, ...]]:
        """The envelope, the parsed message and its handler; PoisonMessageError if none can be."""
        try:
            envelope = Envelope.from_bytes(delivery.body)
        except MalformedMessageError as exc:
            raise PoisonMessageError("MalformedMessage", str(exc)) from None
        found = self._handlers.get(envelope.type)
        if found is None:
            raise PoisonMessageError(
                "UnknownMessageType",
                f"no handler for {envelope.type!r} on queue {self.queue!r}; "
                "is this app older than the one that published it?",
            )
        message_class, handler, parameters = found
        if envelope.version > message_class.version:
            raise PoisonMessageError(
                "UnsupportedVersion",
                f"{envelope.type} version {envelope.version} is newer than this code "
                f"(version {message_class.version}); deploy the new consumer, then replay",
            )
        try:
            message = message_class.model_validate(envelope.payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                for e in exc.errors(include_url=False, include_input=False)
            )
            raise PoisonMessageError("InvalidPayload", f"{envelope.type}: {problems}") from None
        return envelope, message, handler, parameters


def consume(deps: Dependencies, table: HandlerTable, delivery: Delivery) -> bool:
    """Handle one delivery; False when this queue had already handled that message id.

    Raises PoisonMessageError for a message no retry can help, and whatever the handler
    raises (the broker then retries)."""
    envelope, message, handler, parameters = table.parse(delivery)
    with request_context(envelope.correlation_id or delivery.message_id), deps.uow() as uow:
        inbox_key = (table.queue, delivery.message_id)
        if uow.session.get(ProcessedMessage, inbox_key) is not None:
            log.info("%s: message %s was handled before; acknowledged", *inbox_key)
            return False
        available: dict[str, Any] = {
            "uow": uow,
            "message": message,
            "delivery": delivery,
            "deps": deps,
        }
        handler(**{name: available[name] for name in parameters})
        uow.session.add(
            ProcessedMessage(
                consumer=table.queue, message_id=delivery.message_id, processed_at=uow.clock()
            )
        )
        uow.commit()
    return True


def consume_or_reject(deps: Dependencies, table: HandlerTable, delivery: Delivery) -> None:
    """The body of a queue trigger: handle the delivery, reject it when it is poison, and
    when the handler fails have it delivered again after a backoff (re-raising when the
    host's abandon is what does that). Counted and timed per queue; the queue's consumers
    beat (shared/services/heartbeats.py)."""
    started = time.perf_counter()
    try:
        with log_fields(queue=table.queue, message_id=delivery.message_id):
            _consume_or_reject(deps, table, delivery)
    finally:
        metrics.observe(
            "lms_job_duration_seconds", time.perf_counter() - started, queue=table.queue
        )
        _beats().beat(deps, table.queue)


def _consume_or_reject(deps: Dependencies, table: HandlerTable, delivery: Delivery) -> None:
    try:
        consume(deps, table, delivery)
        metrics.increment("lms_jobs_processed_total", queue=table.queue)
    except PoisonMessageError as exc:
        metrics.increment("lms_jobs_dead_lettered_total", queue=table.queue)
        log.error(
            "%s: message %s rejected without retries (%s): %s",
            table.queue,
            delivery.message_id,
            exc.reason,
            redact(exc.description),
        )
        deps.broker.reject(delivery, exc.reason, redact(exc.description))
    except Exception as exc:
        last = deps.retries.is_last(delivery.delivery_count)
        metrics.increment("lms_jobs_failed_total", queue=table.queue)
        if last:
            metrics.increment("lms_jobs_dead_lettered_total", queue=table.queue)
        error = redact(f"{type(exc).__name__}: {exc}")
        if not deps.broker.redeliver_later(delivery, error):
            raise
        log.warning(
            "%s: message %s failed (delivery %d of %d), %s: %s",
            table.queue,
            delivery.message_id,
            delivery.delivery_count,
            deps.retries.max_deliveries,
            "dead-lettered" if last else "scheduled for a later delivery",
            error,
        )
