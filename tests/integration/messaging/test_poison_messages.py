"""A message no retry can help is taken out of its queue at once, with the reason, on either
broker: not delivered ten times first (the review's finding 14)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from functions_jobs.emails import HANDLERS as EMAIL_HANDLERS
from shared import bootstrap
from shared.domain.inbox import ProcessedMessage
from shared.domain.mail import EmailDelivery
from shared.domain.rejected_messages import RejectedMessage
from shared.local.app_functions import QueueFunction
from shared.local.queue_consumer import QueueConsumer
from shared.messaging.broker import Delivery, OutgoingMessage
from shared.messaging.consumer import consume_or_reject
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from shared.messaging.servicebus import ServiceBusBroker
from tests.function_calls import functions_by_name
from tests.servicebus_broker import RunningBroker
from tests.unit_of_work import unit_of_work

WELCOME = {"to": "ada@example.org", "full_name": "Ada"}


def envelope(message_type: str, payload: object, version: int = 1) -> bytes:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": message_type,
            "version": version,
            "occurred_at": datetime.now(UTC).isoformat(),
            "correlation_id": None,
            "payload": payload,
        }
    ).encode()


POISON = {
    "not an envelope": (b"not json", "MalformedMessage", "not a message envelope"),
    "unknown type": (envelope("email.unheard_of", WELCOME), "UnknownMessageType", "no handler"),
    "invalid payload": (
        envelope("email.welcome", {"to": "not an address", "full_name": "Ada"}),
        "InvalidPayload",
        "to: Value error, `to` must be one plain e-mail address",
    ),
    "missing field": (
        envelope("email.welcome", {"to": "ada@example.org"}),
        "InvalidPayload",
        "full_name: Field required",
    ),
    "newer version": (envelope("email.welcome", WELCOME, 2), "UnsupportedVersion", "version 2"),
}


def count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def emails_function() -> QueueFunction:
    """The app's own `emails_consume`, called the way the local host calls it."""
    user_function = functions_by_name()["emails_consume"].get_user_function()
    return QueueFunction("emails_consume", "emails", lambda msg: user_function(msg=msg))


@pytest.mark.parametrize("case", list(POISON))
def test_the_local_broker_dead_letters_poison_at_the_first_delivery(
    database_url: str, emails_function: QueueFunction, case: str
) -> None:
    body, reason, description = POISON[case]
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    broker.send([OutgoingMessage("emails", "m-1", body, "email.welcome")])

    [received] = broker.receive("emails")
    assert QueueConsumer([emails_function], broker).deliver(emails_function, received)

    [letter] = broker.dead_letters("emails")
    assert (letter.message_id, letter.reason, letter.delivery_count) == ("m-1", reason, 1)
    assert description in (letter.description or "")
    assert "ada@example.org" not in (letter.description or "")
    stats = broker.stats("emails")
    assert (stats.active, stats.dead_lettered) == (0, 1)
    assert count(ProcessedMessage) == count(EmailDelivery) == 0


def test_a_replayed_poison_message_is_dead_lettered_again_not_lost(
    database_url: str, emails_function: QueueFunction
) -> None:
    body, reason, _ = POISON["invalid payload"]
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    broker.send([OutgoingMessage("emails", "m-1", body, "email.welcome")])
    consumer = QueueConsumer([emails_function], broker)
    consumer.deliver(emails_function, broker.receive("emails")[0])

    assert broker.replay_dead_letters("emails") == 1
    consumer.deliver(emails_function, broker.receive("emails")[0])
    [letter] = broker.dead_letters("emails")
    assert (letter.message_id, letter.reason) == ("m-1", reason)


@pytest.fixture
def on_service_bus(
    database_url: str, servicebus_broker: RunningBroker, monkeypatch: pytest.MonkeyPatch
) -> ServiceBusBroker:
    monkeypatch.setenv("BROKER", "servicebus")
    monkeypatch.setenv("ServiceBusConnection", servicebus_broker.connection_string)
    bootstrap.reset()
    broker = bootstrap.current().broker
    assert isinstance(broker, ServiceBusBroker)
    return broker


@pytest.mark.parametrize("case", ["unknown type", "invalid payload"])
def test_service_bus_poison_is_kept_with_the_dead_letters_and_the_delivery_completes(
    on_service_bus: ServiceBusBroker, case: str
) -> None:
    # The Functions worker cannot dead-letter from Python: the trigger records the message
    # and returns, so the host completes the delivery instead of retrying it ten times.
    body, reason, description = POISON[case]
    delivery = Delivery("emails", "m-1", body, delivery_count=1, subject="email.welcome")

    consume_or_reject(bootstrap.current(), EMAIL_HANDLERS, delivery)

    [letter] = on_service_bus.dead_letters("emails")
    assert (letter.message_id, letter.reason, letter.delivery_count) == ("m-1", reason, 1)
    assert description in (letter.description or "")
    assert letter.body == body
    assert on_service_bus.stats("emails").dead_lettered == 1
    assert count(RejectedMessage) == 1


def test_service_bus_poison_is_replayed_onto_its_queue_and_purged(
    on_service_bus: ServiceBusBroker, servicebus_broker: RunningBroker
) -> None:
    deps = bootstrap.current()
    for message_id in ("m-1", "m-2"):
        body = POISON["unknown type"][0]
        consume_or_reject(deps, EMAIL_HANDLERS, Delivery("emails", message_id, body, 1))

    assert on_service_bus.replay_dead_letters("emails", ["m-1"]) == 1
    [queued] = servicebus_broker.messages("emails")
    assert Envelope.from_bytes(queued.body).type == "email.unheard_of"
    assert [d.message_id for d in on_service_bus.dead_letters("emails")] == ["m-2"]

    assert on_service_bus.purge_dead_letters("emails") == 1
    assert on_service_bus.dead_letters("emails") == []
    assert count(RejectedMessage) == 0
