"""The `webhooks` queue, until webhook delivery exists.

Delivery to subscribers (signed POSTs, retries, a delivery log) comes with a later issue.
Until then no subscriber can be configured, so each event is acknowledged without delivery
and logged at INFO: the queue drains instead of dead-lettering every event it carries. The
events and their payloads are the models in shared/messages/events.py.
"""

from __future__ import annotations

import logging

from shared.messages.base import Message
from shared.messaging.broker import Delivery

log = logging.getLogger("lms.webhooks")


def acknowledge_event(message: Message, delivery: Delivery) -> None:
    log.info(
        "webhook event %s (%s) acknowledged without delivery: no subscribers are configured",
        message.type,
        delivery.message_id,
    )
