"""The timer and queue functions of functions_jobs, called as the Functions host calls them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.functions.servicebus import ServiceBusMessage
from azure.functions.timer import TimerRequest
from sqlalchemy import func, select

from shared.domain.inbox import ProcessedMessage
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.messaging.consumer import UnknownMessageTypeError
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from shared.uow import UnitOfWork
from tests.function_calls import functions_by_name


def call(name: str, **binding: object) -> None:
    functions_by_name()[name].get_user_function()(**binding)


def count(model: type) -> int:
    with UnitOfWork() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_queue_has_a_trigger_on_the_shared_connection_setting() -> None:
    triggers = {
        f.get_trigger().get_dict_repr()["queueName"]: f.get_trigger().get_dict_repr()
        for f in functions_by_name().values()
        if f.get_trigger().get_dict_repr()["type"] == "serviceBusTrigger"
    }
    assert set(triggers) == {"emails", "progress", "certificates", "webhooks"}
    assert {t["connection"] for t in triggers.values()} == {"ServiceBusConnection"}


def test_the_outbox_sweep_sends_what_was_left_behind(database_url: str) -> None:
    with UnitOfWork(relay_after_commit=False) as uow:
        uow.publish("webhooks", "course.published", {"course_id": "c1"})
        uow.commit()
    with UnitOfWork() as uow:
        # Older than the sweep's grace period, as a row left by a failed relay would be.
        row = uow.session.scalars(select(OutboxMessage)).one()
        row.occurred_at -= timedelta(minutes=1)
        uow.commit()
    call("outbox_sweep", timer=TimerRequest(past_due=False))
    assert count(OutboxMessage) == 0
    [received] = LocalBroker().receive("webhooks")
    assert Envelope.from_bytes(received.body).payload == {"course_id": "c1"}


def test_housekeeping_forgets_old_inbox_rows_and_settled_messages(database_url: str) -> None:
    old = datetime.now(UTC) - timedelta(days=30)
    with UnitOfWork() as uow:
        uow.session.add(ProcessedMessage(consumer="emails", message_id="old", processed_at=old))
        uow.session.add(
            ProcessedMessage(consumer="emails", message_id="new", processed_at=datetime.now(UTC))
        )
        uow.publish("emails", "x", {})
        uow.commit()
    broker = LocalBroker()
    broker.complete(broker.receive("emails")[0])
    with UnitOfWork() as uow:
        uow.session.scalars(select(QueuedMessage)).one().settled_at = old
        uow.commit()
    call("housekeeping_purge", timer=TimerRequest(past_due=False))
    with UnitOfWork() as uow:
        assert list(uow.session.scalars(select(ProcessedMessage.message_id))) == ["new"]
    assert count(QueuedMessage) == 0


def test_a_queue_function_raises_for_a_message_nobody_handles(database_url: str) -> None:
    envelope = Envelope(
        id=uuid.uuid4(),
        type="nobody.handles.this",
        version=1,
        occurred_at=datetime.now(UTC),
        correlation_id=None,
        payload={},
    )
    message = ServiceBusMessage(
        body=envelope.to_bytes(),
        message_id=str(envelope.id),
        application_properties={},
        user_properties={},
        delivery_count=1,
    )
    with pytest.raises(UnknownMessageTypeError):
        call("emails_consume", msg=message)
    assert count(ProcessedMessage) == 0
