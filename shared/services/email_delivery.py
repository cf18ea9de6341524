"""The `emails` queue: each message is rendered and handed to the configured transport.

What becomes of a message:
- sent: an `email_deliveries` row with the transport's id; the message is completed;
- rejected for good (the address is refused, the payload does not fit its template): a row
  with status "rejected" and the reason; the message is completed too, since a retry would
  be refused the same way and would only push the mail through the dead-letter queue;
- the transport is unavailable (connection refused, timeout, a 4xx): the handler raises, the
  broker redelivers, then dead-letters (`lms dlq replay` once the mail server is back).

The row is keyed by the queue message id, so a redelivered message that finds it sends
nothing, even after the inbox has forgotten the id. Between the hand-over and the commit a
crash can still send a mail twice; every copy carries the same Message-ID, and sendEmail drops
the second. Logs name the recipient's domain only, never the address or the body.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shared.config import get_settings
from shared.domain.mail import DeliveryStatus, EmailDelivery
from shared.mail.catalog import EMAILS
from shared.mail.delivery import DeliveryResult, get_transport
from shared.mail.rendering import UnrenderableEmailError, recipient_domain, render
from shared.messaging.consumer import handles
from shared.messaging.envelope import Envelope
from shared.observability.logging import redact
from shared.uow import UnitOfWork

log = logging.getLogger("lms.email")


def deliver_email(uow: UnitOfWork, message: Envelope) -> None:
    """Render and send one e-mail; raises only when a retry may succeed."""
    message_id = str(message.id)
    if uow.session.get(EmailDelivery, message_id) is not None:
        log.info("email %s (%s) was delivered before; not sent again", message.type, message_id)
        return
    settings = get_settings()
    try:
        email = render(message.type, message.payload, settings)
    except UnrenderableEmailError as exc:
        result = DeliveryResult.rejected(settings.MAIL_TRANSPORT, f"not rendered: {exc}")
        _record(uow, message, _payload_recipient(message), result)
        return
    result = get_transport(settings).send(email, message_id)
    _record(uow, message, email.to, result)


def _record(uow: UnitOfWork, message: Envelope, recipient: str, result: DeliveryResult) -> None:
    uow.session.add(
        EmailDelivery(
            message_id=str(message.id),
            message_type=message.type,
            recipient=recipient,
            status=DeliveryStatus(result.status).value,
            transport=result.transport,
            transport_id=result.transport_id,
            reason=result.reason,
            attempted_at=datetime.now(UTC),
        )
    )
    where = f"***@{recipient_domain(recipient)}"
    if result.status == "sent":
        log.info(
            "email %s (%s) to %s sent via %s: %s",
            message.type,
            message.id,
            where,
            result.transport,
            redact(result.transport_id or "-"),
        )
    else:
        log.warning(
            "email %s (%s) to %s rejected for good, not retried: %s",
            message.type,
            message.id,
            where,
            redact(result.reason or "-"),
        )


def _payload_recipient(message: Envelope) -> str:
    to = message.payload.get("to")
    return to[:320] if isinstance(to, str) else ""


for _message_type in EMAILS:
    handles("emails", _message_type)(deliver_email)
