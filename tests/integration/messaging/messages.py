"""Message types that exist only in these tests, and a queue function for a table of handlers
built the way functions_jobs builds its own (`consume_or_reject` is the triggers' body)."""

from __future__ import annotations

from shared import bootstrap
from shared.local.app_functions import QueueFunction
from shared.messages.base import Message
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject


class FlakyWork(Message):
    type = "test.flaky"
    queues = ("emails",)

    n: int


class BurstWork(Message):
    type = "test.burst"
    queues = ("progress",)

    n: int


def queue_function(table: HandlerTable) -> QueueFunction:
    """A queue trigger for `table`, as the local host calls one."""

    def consume(msg: object) -> None:
        consume_or_reject(bootstrap.current(), table, Delivery.of(table.queue, msg))

    return QueueFunction(f"{table.queue}_consume", table.queue, consume)
