"""The `webhooks` queue: events for subscribers (acknowledged until delivery exists)."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.messages.catalog import going_to
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject
from shared.services.webhook_events import acknowledge_event

QUEUE = "webhooks"
HANDLERS = HandlerTable(QUEUE, dict.fromkeys(going_to(QUEUE), acknowledge_event))

bp = func.Blueprint()


@bp.function_name("webhooks_consume")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection="ServiceBusConnection")
def webhooks_consume(msg: func.ServiceBusMessage) -> None:
    """Deliver one event to its subscribers."""
    consume_or_reject(bootstrap.current(), HANDLERS, Delivery.of(QUEUE, msg))
