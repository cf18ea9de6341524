"""Messages leave with their transaction or not at all, and each has one effect downstream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shared.config import get_settings
from shared.domain.inbox import ProcessedMessage
from shared.domain.outbox import OutboxMessage
from shared.domain.timers import TimerSchedule
from shared.messaging import consumer
from shared.messaging.broker import get_broker
from shared.messaging.consumer import UnknownMessageTypeError, handle_message, handles
from shared.messaging.envelope import Envelope, MalformedMessageError
from shared.messaging.local import LocalBroker
from shared.messaging.outbox import relay_batch, sweep_outbox
from shared.observability.context import request_context
from shared.uow import UnitOfWork
from tests.unit_of_work import unit_of_work


def count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def queued(queue: str = "emails") -> list[Envelope]:
    broker = LocalBroker()
    received = broker.receive(queue, 100)
    return [Envelope.from_bytes(m.body) for m in received]


def test_a_rolled_back_write_leaves_no_message(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="business row"))
        uow.publish("emails", "email.send", {"to": "a@example.com"})
    assert count(OutboxMessage) == 0
    assert count(TimerSchedule) == 0
    assert queued() == []


def test_a_committed_write_sends_its_message_right_after_commit(database_url: str) -> None:
    with request_context("req-123"), unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="business row"))
        message_id = uow.publish("emails", "email.send", {"to": "a@example.com"}, version=2)
        uow.commit()
    assert count(OutboxMessage) == 0
    [envelope] = queued()
    assert envelope.id == message_id
    assert (envelope.type, envelope.version, envelope.correlation_id) == (
        "email.send",
        2,
        "req-123",
    )
    assert envelope.payload == {"to": "a@example.com"}


def test_a_payload_that_is_not_json_fails_in_the_service(database_url: str) -> None:
    with unit_of_work() as uow, pytest.raises(TypeError):
        uow.publish("emails", "email.send", {"when": datetime.now(UTC)})


def test_messages_left_in_the_outbox_are_sent_by_the_sweep(database_url: str) -> None:
    with unit_of_work(relay=False) as uow:
        for n in range(3):
            uow.publish("progress", "progress.recompute", {"n": n})
        uow.commit()
    assert count(OutboxMessage) == 3
    broker = get_broker(get_settings())
    # Within the grace period the sweep leaves rows to the relay after commit.
    assert sweep_outbox(broker, now=datetime.now(UTC)).sent == 0
    result = sweep_outbox(broker, now=datetime.now(UTC) + timedelta(seconds=6))
    assert (result.sent, result.failed) == (3, 0)
    assert sorted(e.payload["n"] for e in queued("progress")) == [0, 1, 2]
    assert count(OutboxMessage) == 0


def test_a_message_relayed_twice_is_queued_once(database_url: str) -> None:
    with unit_of_work(relay=False) as uow:
        message_id = uow.publish("emails", "email.send", {})
        uow.commit()
    with unit_of_work() as uow:
        row = uow.session.get(OutboxMessage, message_id)
        assert row is not None
        uow.session.expunge(row)
    broker = get_broker(get_settings())
    relay_batch(broker, ids=[message_id])
    # The process died after sending and before deleting: the row is back, sent again.
    with unit_of_work() as uow:
        uow.session.add(row)
        uow.commit()
    relay_batch(broker, ids=[message_id])
    assert [e.id for e in queued()] == [message_id]


def test_scheduled_messages_wait_in_the_broker(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.publish("emails", "email.send", {}, not_before=datetime.now(UTC) + timedelta(hours=1))
        uow.commit()
    assert count(OutboxMessage) == 0
    assert queued() == []
    assert LocalBroker().stats("emails").scheduled == 1


@pytest.fixture
def recording_handlers() -> Iterator[list[str]]:
    """Handlers for test message types; each run is recorded, even when it rolls back."""
    runs: list[str] = []

    @handles("webhooks", "test.effect")
    @handles("emails", "test.effect")
    def make_effect(uow: UnitOfWork, message: Envelope) -> None:
        runs.append(str(message.id))
        uow.session.add(TimerSchedule(name=message.payload["name"]))
        uow.publish("progress", "test.follow_up", {"after": message.payload["name"]})

    @handles("emails", "test.fails")
    def fail(uow: UnitOfWork, message: Envelope) -> None:
        runs.append(str(message.id))
        uow.session.add(TimerSchedule(name="written before the failure"))
        uow.session.flush()
        raise RuntimeError("the mail server said no")

    yield runs
    consumer._handlers.pop(("emails", "test.effect"))
    consumer._handlers.pop(("webhooks", "test.effect"))
    consumer._handlers.pop(("emails", "test.fails"))


def envelope_bytes(message_type: str, payload: dict[str, str]) -> tuple[str, bytes]:
    envelope = Envelope(uuid.uuid4(), message_type, 1, datetime.now(UTC), None, payload)
    return str(envelope.id), envelope.to_bytes()


def test_a_message_delivered_twice_has_one_effect(
    database_url: str, recording_handlers: list[str]
) -> None:
    message_id, body = envelope_bytes("test.effect", {"name": "effect"})
    assert handle_message("emails", message_id, body) is True
    assert handle_message("emails", message_id, body) is False
    assert recording_handlers == [message_id]
    assert count(TimerSchedule) == 1
    assert count(ProcessedMessage) == 1
    assert [e.payload for e in queued("progress")] == [{"after": "effect"}]


def test_another_consumer_of_the_same_message_id_handles_it_too(
    database_url: str, recording_handlers: list[str]
) -> None:
    message_id, body = envelope_bytes("test.effect", {"name": "one"})
    handle_message("emails", message_id, body)
    _, second_body = envelope_bytes("test.effect", {"name": "two"})
    assert handle_message("webhooks", message_id, second_body) is True
    assert count(ProcessedMessage) == 2


def test_a_handler_that_raises_commits_nothing(
    database_url: str, recording_handlers: list[str]
) -> None:
    message_id, body = envelope_bytes("test.fails", {})
    with pytest.raises(RuntimeError, match="said no"):
        handle_message("emails", message_id, body)
    assert count(TimerSchedule) == 0
    assert count(ProcessedMessage) == 0
    # It is not marked as handled: the redelivery runs the handler again.
    with pytest.raises(RuntimeError):
        handle_message("emails", message_id, body)
    assert recording_handlers == [message_id, message_id]


def test_a_message_type_without_handler_raises(database_url: str) -> None:
    message_id, body = envelope_bytes("nobody.handles", {})
    with pytest.raises(UnknownMessageTypeError, match=r"nobody\.handles"):
        handle_message("emails", message_id, body)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"id": "x"}', b'{"id": "5d3f0c3e-0000-4000-8000-000000000000"}'],
)
def test_a_body_that_is_not_an_envelope_raises_malformed(body: bytes) -> None:
    with pytest.raises(MalformedMessageError):
        handle_message("emails", "m", body)
