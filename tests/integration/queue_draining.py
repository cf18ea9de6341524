"""Deliver a local queue until it is empty, moving a manual clock over every retry backoff,
the way the local host would deliver it over the next hour."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from shared import bootstrap
from shared.domain.base import UtcDateTime
from shared.domain.queue_messages import ACTIVE, QueuedMessage
from shared.local.app_functions import QueueFunction
from shared.local.queue_consumer import QueueConsumer
from tests.clock import ManualClock


def drain(
    queue_consumer: QueueConsumer,
    function: QueueFunction,
    clock: ManualClock | None = None,
    waits: list[float] | None = None,
    limit: int | None = None,
) -> int:
    """Deliver until nothing is left on the function's queue; return how many deliveries.

    Without a clock, only what is deliverable now. With one, a message held back by a backoff
    is waited for by moving the clock to its `visible_at`; `waits` gets each wait in seconds.
    With `limit`, stop after that many deliveries."""
    broker = queue_consumer.broker
    delivered = 0
    while delivered != limit:
        batch = broker.receive(function.queue_name, 1)
        if not batch:
            due = None if clock is None else _next_visible_at(function.queue_name)
            if clock is None or due is None or due <= clock.now:
                return delivered  # empty, or what is left is locked
            if waits is not None:
                waits.append((due - clock.now).total_seconds())
            clock.set(max(due, clock.now))
            continue
        queue_consumer.deliver(function, batch[0])
        delivered += 1
    return delivered


def _next_visible_at(queue: str) -> datetime | None:
    with bootstrap.current().sessions() as session:
        due: datetime | None = session.scalar(
            select(func.min(QueuedMessage.visible_at, type_=UtcDateTime())).where(
                QueuedMessage.queue == queue, QueuedMessage.state == ACTIVE
            )
        )
        return due
