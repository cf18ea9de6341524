"""The Service Bus broker adapter, through the unmodified SDK, against the AMQP test broker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusReceiver

from shared import bootstrap
from shared.domain.errors import DependencyUnavailableError
from shared.domain.outbox import OutboxMessage
from shared.messages.emails import WelcomeEmail
from shared.messaging.broker import OutgoingMessage
from shared.messaging.envelope import Envelope
from shared.messaging.outbox import sweep_outbox
from shared.messaging.servicebus import ServiceBusBroker
from tests.servicebus_broker import RunningBroker
from tests.unit_of_work import unit_of_work


@pytest.fixture
def adapter(servicebus_broker: RunningBroker) -> Iterator[ServiceBusBroker]:
    broker = ServiceBusBroker(connection_string=servicebus_broker.connection_string)
    yield broker
    broker.close()


def message(message_id: str, **kwargs: object) -> OutgoingMessage:
    defaults: dict[str, object] = {"queue": "emails", "body": b'{"n":1}', "subject": "email.send"}
    return OutgoingMessage(message_id=message_id, **{**defaults, **kwargs})  # type: ignore[arg-type]


def receiver_for(servicebus_broker: RunningBroker, queue: str = "emails") -> ServiceBusReceiver:
    client = ServiceBusClient.from_connection_string(servicebus_broker.connection_string)
    return client.get_queue_receiver(queue, max_wait_time=3)


def test_sent_messages_arrive_with_id_subject_and_body(
    adapter: ServiceBusBroker, servicebus_broker: RunningBroker
) -> None:
    adapter.send([message(f"m{i}", correlation_id="req-1") for i in range(150)])
    assert servicebus_broker.depth("emails") == 150
    with receiver_for(servicebus_broker) as receiver:
        [first] = receiver.receive_messages(max_message_count=1, max_wait_time=3)
        assert str(first.message_id) == "m0"
        assert str(first.subject) == "email.send"
        assert str(first.correlation_id) == "req-1"
        assert b"".join(first.body) == b'{"n":1}'
        receiver.complete_message(first)


def test_a_scheduled_message_is_held_until_its_time(
    adapter: ServiceBusBroker, servicebus_broker: RunningBroker
) -> None:
    adapter.send([message("later", scheduled_at=datetime.now(UTC) + timedelta(seconds=2))])
    with receiver_for(servicebus_broker) as receiver:
        assert receiver.receive_messages(max_message_count=1, max_wait_time=0.5) == []
        time.sleep(2)
        [later] = receiver.receive_messages(max_message_count=1, max_wait_time=3)
        assert str(later.message_id) == "later"
        receiver.complete_message(later)


def test_dead_letters_are_listed_replayed_and_purged(
    adapter: ServiceBusBroker, servicebus_broker: RunningBroker
) -> None:
    adapter.send([message("a"), message("b"), message("c")])
    with receiver_for(servicebus_broker) as receiver:
        for received in receiver.receive_messages(max_message_count=3, max_wait_time=3):
            receiver.dead_letter_message(
                received, reason="Rejected", error_description="550 no such user"
            )
    letters = adapter.dead_letters("emails")
    assert sorted(d.message_id for d in letters) == ["a", "b", "c"]
    assert {(d.reason, d.description) for d in letters} == {("Rejected", "550 no such user")}
    assert adapter.stats("emails").dead_lettered == 3

    assert adapter.replay_dead_letters("emails", ["b"]) == 1
    assert sorted(d.message_id for d in adapter.dead_letters("emails")) == ["a", "c"]
    with receiver_for(servicebus_broker) as receiver:
        [replayed] = receiver.receive_messages(max_message_count=1, max_wait_time=3)
        assert str(replayed.message_id) == "b"
        assert b"".join(replayed.body) == b'{"n":1}'
        receiver.complete_message(replayed)

    assert adapter.purge_dead_letters("emails") == 2
    assert adapter.dead_letters("emails") == []


def test_stats_count_waiting_messages_and_their_age(
    adapter: ServiceBusBroker, servicebus_broker: RunningBroker
) -> None:
    adapter.send([message("x"), message("y")])
    time.sleep(1)
    stats = adapter.stats("emails")
    assert (stats.active, stats.dead_lettered, stats.capped) == (2, 0, False)
    assert stats.oldest_active_age_seconds is not None
    assert stats.oldest_active_age_seconds >= 0.9


def test_check_passes_when_up_and_names_service_bus_when_down(
    adapter: ServiceBusBroker, servicebus_broker: RunningBroker
) -> None:
    adapter.check()
    servicebus_broker.stop()
    with pytest.raises(DependencyUnavailableError, match="Service Bus does not answer"):
        adapter.check()


def servicebus_broker_down_at_commit_then_the_sweep_sends_later_and_nothing_is_lost(
    database_url: str, servicebus_broker: RunningBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROKER", "servicebus")
    monkeypatch.setenv("ServiceBusConnection", servicebus_broker.connection_string)
    bootstrap.reset()
    servicebus_broker.stop()

    with unit_of_work() as uow:
        [message_id] = uow.publish(WelcomeEmail(to="someone@example.org", full_name="Someone"))
        uow.commit()  # the relay after commit fails; the write and its message are kept
    with unit_of_work() as uow:
        row = uow.session.get(OutboxMessage, message_id)
        assert row is not None
        assert row.send_attempts == 1
        assert row.last_send_error

    servicebus_broker.start()
    deps = bootstrap.current()
    later = datetime.now(UTC) + timedelta(seconds=10)
    result = sweep_outbox(deps.broker, deps.sessions, now=later)
    assert (result.sent, result.failed) == (1, 0)
    [queued] = servicebus_broker.messages("emails")
    assert Envelope.from_bytes(queued.body).id == message_id
    with unit_of_work() as uow:
        assert uow.session.get(OutboxMessage, message_id) is None


def test_ready_names_service_bus_when_it_is_down(
    database_url: str, servicebus_broker: RunningBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.function_calls import call_http, json_of

    monkeypatch.setenv("BROKER", "servicebus")
    monkeypatch.setenv("ServiceBusConnection", servicebus_broker.connection_string)
    bootstrap.reset()
    up = json_of(call_http("health_ready", "GET", "/api/v1/ready"))
    assert (up["status"], up["broker"], up["queues"]["emails"]["active"]) == ("ok", "up", 0)

    servicebus_broker.stop()
    bootstrap.reset()
    response = call_http("health_ready", "GET", "/api/v1/ready")
    assert response.status_code == 503
    body = json_of(response)
    assert body["broker"] == "down"
    assert body["database"] == "up"
    assert "broker: Service Bus does not answer" in body["detail"]
