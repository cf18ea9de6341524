"""The `emails` queue: every e-mail is rendered and handed to MAIL_TRANSPORT; requested reset
and verification links are looked up and published here, off the request path."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.messages.commands import SendPasswordResetLink, SendVerificationLink
from shared.messages.emails import EMAILS
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject
from shared.services.email_delivery import deliver_email
from shared.services.identity.email_verification import send_requested_link
from shared.services.identity.password_reset import send_reset_link

QUEUE = "emails"
HANDLERS = HandlerTable(
    QUEUE,
    {
        **dict.fromkeys(EMAILS, deliver_email),
        SendPasswordResetLink: send_reset_link,
        SendVerificationLink: send_requested_link,
    },
)

bp = func.Blueprint()


@bp.function_name("emails_consume")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection="ServiceBusConnection")
def emails_consume(msg: func.ServiceBusMessage) -> None:
    """Render and send one e-mail; a transport that is down raises, so the queue retries."""
    consume_or_reject(bootstrap.current(), HANDLERS, Delivery.of(QUEUE, msg))
