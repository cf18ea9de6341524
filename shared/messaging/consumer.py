"""Idempotent consumers: each (queue, message type) has one handler; each message one effect.

    @handles("progress", "enrollment.completed")
    def recompute_course_stats(uow: UnitOfWork, message: Envelope) -> None: ...

One event may go to several queues (`enrollment.completed` to `progress` to update the course
and to `webhooks` for subscribers); each queue's handler does its own part.

`handle_message` runs the handler and records `(consumer, message_id)` in the inbox in the
same transaction, then commits; the handler must not commit itself. A redelivered message
finds its inbox row and is acknowledged without running the handler again. When two copies
race, the second commit fails on the inbox key and the broker redelivers it into the first
case. A handler that raises leaves nothing behind; the broker retries, then dead-letters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from shared.domain.inbox import ProcessedMessage
from shared.messaging.envelope import Envelope
from shared.observability.context import request_context
from shared.uow import UnitOfWork

log = logging.getLogger("lms.consumer")

Handler = Callable[[UnitOfWork, Envelope], None]
_handlers: dict[tuple[str, str], Handler] = {}


class UnknownMessageTypeError(LookupError):
    """No handler for this type here: perhaps the jobs app runs older code than the API app."""


def handles(queue: str, message_type: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        existing = _handlers.get((queue, message_type))
        if existing is not None and existing is not handler:
            raise ValueError(
                f"{message_type!r} on {queue!r} already has a handler: {existing.__qualname__}"
            )
        _handlers[(queue, message_type)] = handler
        return handler

    return register


def handled_types(queue: str) -> list[str]:
    return sorted(message_type for q, message_type in _handlers if q == queue)


def handle_message(consumer: str, message_id: str, body: bytes) -> bool:
    """Handle one delivery; False when this consumer had already handled that message id."""
    envelope = Envelope.from_bytes(body)
    handler = _handlers.get((consumer, envelope.type))
    if handler is None:
        raise UnknownMessageTypeError(
            f"no handler for message type {envelope.type!r} in consumer {consumer!r}"
        )
    with request_context(envelope.correlation_id or message_id), UnitOfWork() as uow:
        if uow.session.get(ProcessedMessage, (consumer, message_id)) is not None:
            log.info("%s: message %s was handled before; acknowledged", consumer, message_id)
            return False
        handler(uow, envelope)
        uow.session.add(
            ProcessedMessage(
                consumer=consumer, message_id=message_id, processed_at=datetime.now(UTC)
            )
        )
        uow.commit()
    return True
