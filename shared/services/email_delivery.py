"""The `emails` queue: each e-mail is rendered and handed to the configured transport.

What becomes of a message:
- sent: an `email_deliveries` row with the transport's id; the message is completed;
- rejected for good (the address is refused, the e-mail does not fit its template): a row
  with status "rejected" and the reason; the message is completed too, since a retry would
  be refused the same way and would only push the mail through the dead-letter queue;
- the transport is unavailable (connection refused, timeout, a 4xx): the handler raises, the
  broker redelivers, then dead-letters (`lms dlq replay` once the mail server is back).

(A message whose payload does not validate never gets here: the consumer rejects it.)

The row is keyed by the queue message id, so a redelivered message that finds it sends
nothing, even after the inbox has forgotten the id. No transaction is open during the
hand-over (a transport may take its timeout to answer); the row is written after it. Between
the hand-over and the commit a crash, or two consumers holding the same message at once, can
still send a mail twice; every copy carries the same Message-ID, and sendEmail drops the
second. Logs name the recipient's domain only, never the address or the body.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.domain.mail import DeliveryStatus, EmailDelivery
from shared.mail.delivery import DeliveryResult
from shared.mail.rendering import UnrenderableEmailError, recipient_domain, render
from shared.messages.emails import Email
from shared.messaging.broker import Delivery
from shared.observability.logging import redact
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.email")


def deliver_email(uow: UnitOfWork, message: Email, delivery: Delivery, deps: Dependencies) -> None:
    """Render and send one e-mail; raises only when a retry may succeed."""
    message_id = delivery.message_id
    if uow.session.get(EmailDelivery, message_id) is not None:
        log.info("email %s (%s) was delivered before; not sent again", message.type, message_id)
        return
    try:
        email = render(message, deps.settings)
    except UnrenderableEmailError as exc:
        result = DeliveryResult.rejected(deps.settings.MAIL_TRANSPORT, f"not rendered: {exc}")
        _record(uow, message, message_id, result)
        return
    # Only reads so far: end the transaction before the hand-over, so no connection waits in
    # one (and, on SQLite, no write lock is held) while the transport answers.
    uow.rollback()
    result = deps.mail.send(email, message_id)
    if uow.session.get(EmailDelivery, message_id) is not None:
        log.info(
            "email %s (%s) was recorded by another consumer meanwhile", message.type, message_id
        )
        return
    _record(uow, message, message_id, result)


def _record(uow: UnitOfWork, message: Email, message_id: str, result: DeliveryResult) -> None:
    uow.session.add(
        EmailDelivery(
            message_id=message_id,
            message_type=message.type,
            recipient=message.to,
            status=DeliveryStatus(result.status).value,
            transport=result.transport,
            transport_id=result.transport_id,
            reason=result.reason,
            attempted_at=uow.clock(),
        )
    )
    where = f"***@{recipient_domain(message.to)}"
    if result.status == "sent":
        log.info(
            "email %s (%s) to %s sent via %s: %s",
            message.type,
            message_id,
            where,
            result.transport,
            redact(result.transport_id or "-"),
        )
    else:
        log.warning(
            "email %s (%s) to %s rejected for good, not retried: %s",
            message.type,
            message_id,
            where,
            redact(result.reason or "-"),
        )
