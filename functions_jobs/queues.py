"""One Service Bus queue trigger per queue; the message type picks the handler.

The connection setting `ServiceBusConnection` is the one host.json and local.settings.json
name. Retries come from the queue's delivery count and dead-letter queue: a handler that
raises makes the host abandon the message.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from shared.messaging.broker import QUEUES
from shared.messaging.consumer import handle_message
from shared.services import (
    certificates,  # noqa: F401 (certificates queue)
    course_stats,  # noqa: F401 (progress queue)
    email_delivery,  # noqa: F401 (registers the email handlers)
    webhook_events,  # noqa: F401 (webhooks queue, acknowledged)
)

bp = func.Blueprint()


def _consumer_for(queue: str) -> Callable[[func.ServiceBusMessage], None]:
    def consume(msg: func.ServiceBusMessage) -> None:
        handle_message(queue, str(msg.message_id), msg.get_body())

    consume.__name__ = consume.__qualname__ = f"{queue}_consume"
    return consume


for _queue in QUEUES:
    bp.function_name(f"{_queue}_consume")(
        bp.service_bus_queue_trigger(
            arg_name="msg", queue_name=_queue, connection="ServiceBusConnection"
        )(_consumer_for(_queue))
    )
