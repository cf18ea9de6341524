"""Messages leave with their transaction or not at all, and each has one effect downstream."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shared import bootstrap
from shared.domain.inbox import ProcessedMessage
from shared.domain.outbox import OutboxMessage
from shared.domain.timers import TimerSchedule
from shared.messages.base import Message
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from shared.messaging.outbox import relay_batch, sweep_outbox
from shared.observability.context import request_context
from shared.uow import UnitOfWork
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres


class EffectRequested(Message):
    type = "test.effect"
    queues = ("emails", "webhooks")

    name: str


class FollowUp(Message):
    type = "test.follow_up"
    version = 2
    queues = ("progress",)

    after: str


class FailureRequested(Message):
    type = "test.fails"
    queues = ("emails",)


def count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def local_broker() -> LocalBroker:
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    return broker


def queued(queue: str = "emails") -> list[Envelope]:
    received = local_broker().receive(queue, 100)
    return [Envelope.from_bytes(m.body) for m in received]


def test_a_rolled_back_write_leaves_no_message(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="business row"))
        uow.publish(EffectRequested(name="never"))
    assert count(OutboxMessage) == 0
    assert count(TimerSchedule) == 0
    assert queued() == []


def test_a_committed_write_sends_its_message_right_after_commit(database_url: str) -> None:
    with request_context("req-123"), unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="business row"))
        [message_id] = uow.publish(FollowUp(after="x"))
        uow.commit()
    assert count(OutboxMessage) == 0
    [envelope] = queued("progress")
    assert envelope.id == message_id
    assert (envelope.type, envelope.version, envelope.correlation_id) == (
        "test.follow_up",
        2,
        "req-123",
    )
    assert envelope.payload == {"after": "x"}


def test_a_message_for_two_queues_is_one_outbox_row_per_queue(database_url: str) -> None:
    with unit_of_work() as uow:
        ids = uow.publish(EffectRequested(name="both"))
        uow.commit()
    assert len(set(ids)) == 2
    [on_emails], [on_webhooks] = queued("emails"), queued("webhooks")
    assert {on_emails.id, on_webhooks.id} == set(ids)
    assert on_emails.payload == on_webhooks.payload == {"name": "both"}


def test_messages_left_in_the_outbox_are_sent_by_the_sweep(database_url: str) -> None:
    with unit_of_work(relay=False) as uow:
        for n in range(3):
            uow.publish(FollowUp(after=str(n)))
        uow.commit()
    assert count(OutboxMessage) == 3
    deps = bootstrap.current()
    # Within the grace period the sweep leaves rows to the relay after commit.
    assert sweep_outbox(deps.broker, deps.sessions, now=datetime.now(UTC)).sent == 0
    later = datetime.now(UTC) + timedelta(seconds=6)
    result = sweep_outbox(deps.broker, deps.sessions, now=later)
    assert (result.sent, result.failed) == (3, 0)
    assert sorted(e.payload["after"] for e in queued("progress")) == ["0", "1", "2"]
    assert count(OutboxMessage) == 0


def test_a_message_relayed_twice_is_queued_once(database_url: str) -> None:
    with unit_of_work(relay=False) as uow:
        [message_id] = uow.publish(FollowUp(after="once"))
        uow.commit()
    with unit_of_work() as uow:
        row = uow.session.get(OutboxMessage, message_id)
        assert row is not None
        uow.session.expunge(row)
    deps = bootstrap.current()
    relay_batch(deps.broker, deps.sessions, ids=[message_id])
    # The process died after sending and before deleting: the row is back, sent again.
    with unit_of_work() as uow:
        uow.session.add(row)
        uow.commit()
    relay_batch(deps.broker, deps.sessions, ids=[message_id])
    assert [e.id for e in queued("progress")] == [message_id]


def test_scheduled_messages_wait_in_the_broker(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.publish(FailureRequested(), not_before=datetime.now(UTC) + timedelta(hours=1))
        uow.commit()
    assert count(OutboxMessage) == 0
    assert queued() == []
    assert local_broker().stats("emails").scheduled == 1


runs: list[str] = []


def make_effect(uow: UnitOfWork, message: EffectRequested, delivery: Delivery) -> None:
    runs.append(delivery.message_id)
    uow.session.add(TimerSchedule(name=message.name))
    uow.publish(FollowUp(after=message.name))


def fail(uow: UnitOfWork, delivery: Delivery) -> None:
    runs.append(delivery.message_id)
    uow.session.add(TimerSchedule(name="written before the failure"))
    uow.session.flush()
    raise RuntimeError("the mail server said no")


EMAILS = HandlerTable("emails", {EffectRequested: make_effect, FailureRequested: fail})
WEBHOOKS = HandlerTable("webhooks", {EffectRequested: make_effect})


@pytest.fixture(autouse=True)
def forget_runs() -> None:
    runs.clear()


def delivery_of(message: Message, queue: str = "emails", message_id: str | None = None) -> Delivery:
    envelope = Envelope(
        uuid.uuid4(), message.type, message.version, datetime.now(UTC), None, message.payload()
    )
    return Delivery(queue, message_id or str(envelope.id), envelope.to_bytes(), 1)


def test_a_message_delivered_twice_has_one_effect(database_url: str) -> None:
    delivery = delivery_of(EffectRequested(name="effect"))
    deps = bootstrap.current()
    assert consume(deps, EMAILS, delivery) is True
    assert consume(deps, EMAILS, delivery) is False
    assert runs == [delivery.message_id]
    assert count(TimerSchedule) == 1
    assert count(ProcessedMessage) == 1
    assert [e.payload for e in queued("progress")] == [{"after": "effect"}]


def test_another_queue_handles_the_same_message_id_too(database_url: str) -> None:
    first = delivery_of(EffectRequested(name="one"))
    second = delivery_of(EffectRequested(name="two"), "webhooks", first.message_id)
    deps = bootstrap.current()
    consume(deps, EMAILS, first)
    assert consume(deps, WEBHOOKS, second) is True
    assert count(ProcessedMessage) == 2


def test_a_handler_that_raises_commits_nothing(database_url: str) -> None:
    delivery = delivery_of(FailureRequested())
    deps = bootstrap.current()
    with pytest.raises(RuntimeError, match="said no"):
        consume(deps, EMAILS, delivery)
    assert count(TimerSchedule) == 0
    assert count(ProcessedMessage) == 0
    # It is not marked as handled: the redelivery runs the handler again.
    with pytest.raises(RuntimeError):
        consume(deps, EMAILS, delivery)
    assert runs == [delivery.message_id, delivery.message_id]


def test_a_table_refuses_a_message_that_is_not_published_to_its_queue() -> None:
    with pytest.raises(ValueError, match="FollowUp is not published to 'emails'"):
        HandlerTable("emails", {FollowUp: make_effect})


def test_a_table_refuses_a_handler_asking_for_what_consumers_do_not_hand_over() -> None:
    def needs_settings(settings: object) -> None: ...

    with pytest.raises(ValueError, match=r"parameters \['settings'\]"):
        HandlerTable("emails", {FailureRequested: needs_settings})
