"""The `certificates` queue: one certificate per completed enrollment, rendered once."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.messages.commands import IssueCertificate, RenderCertificate
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject
from shared.services.certificate_documents import render_certificate
from shared.services.certificates import issue_certificate

QUEUE = "certificates"
HANDLERS = HandlerTable(
    QUEUE, {IssueCertificate: issue_certificate, RenderCertificate: render_certificate}
)

bp = func.Blueprint()


@bp.function_name("certificates_consume")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection="ServiceBusConnection")
def certificates_consume(msg: func.ServiceBusMessage) -> None:
    """Issue the certificate of a completed enrollment, then render its PDF and credential."""
    consume_or_reject(bootstrap.current(), HANDLERS, Delivery.of(QUEUE, msg))
