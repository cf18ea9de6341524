"""The `emails` queue: every e-mail is rendered and handed to MAIL_TRANSPORT."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.messages.emails import EMAILS
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject
from shared.services.email_delivery import deliver_email

QUEUE = "emails"
HANDLERS = HandlerTable(QUEUE, dict.fromkeys(EMAILS, deliver_email))

bp = func.Blueprint()


@bp.function_name("emails_consume")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection="ServiceBusConnection")
def emails_consume(msg: func.ServiceBusMessage) -> None:
    """Render and send one e-mail; a transport that is down raises, so the queue retries."""
    consume_or_reject(bootstrap.current(), HANDLERS, Delivery.of(QUEUE, msg))
