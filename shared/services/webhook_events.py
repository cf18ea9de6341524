"""The `webhooks` queue's handlers: events fan out to subscriptions, attempts are delivered.

The work is in shared/services/webhook_deliveries.py; this module is the handler table's
vocabulary (the parameters the consumer injects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.messages.base import Message
from shared.messages.commands import DeliverWebhook
from shared.services import webhook_deliveries
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies


def on_event(uow: UnitOfWork, message: Message) -> None:
    webhook_deliveries.fan_out(uow, message)


def on_deliver(uow: UnitOfWork, message: DeliverWebhook, deps: Dependencies) -> None:
    webhook_deliveries.attempt_delivery(uow, message, deps)
