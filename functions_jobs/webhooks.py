"""The `webhooks` queue: events fan out to subscriptions; each attempt is POSTed, signed."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.messages.catalog import going_to
from shared.messages.commands import DeliverWebhook
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject
from shared.services.webhook_events import on_deliver, on_event

QUEUE = "webhooks"
HANDLERS = HandlerTable(
    QUEUE,
    {
        **{event: on_event for event in going_to(QUEUE) if event is not DeliverWebhook},
        DeliverWebhook: on_deliver,
    },
)

bp = func.Blueprint()


@bp.function_name("webhooks_consume")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection="ServiceBusConnection")
def webhooks_consume(msg: func.ServiceBusMessage) -> None:
    """Fan an event out to its subscriptions, or make one delivery attempt."""
    consume_or_reject(bootstrap.current(), HANDLERS, Delivery.of(QUEUE, msg))
