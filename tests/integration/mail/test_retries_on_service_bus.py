"""On Service Bus a failing `emails_consume` is retried through scheduled copies, with the
unmodified SDK against the AMQP test broker: the Functions host would abandon and get the
message back at once, so the trigger completes it and schedules a copy after the backoff.

The clock the app reads starts hours in the past, so a copy scheduled "5 s later" is already
due for the test broker (which keeps real time) and the test needs no sleeping; the delay is
read from the copy's scheduled enqueue time against that clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.functions.servicebus import ServiceBusMessage
from azure.servicebus import ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver
from sqlalchemy import select

from shared import bootstrap
from shared.domain.mail import EmailDelivery
from shared.domain.rejected_messages import RejectedMessage
from shared.messaging.retries import RetryPolicy
from shared.messaging.servicebus import ServiceBusBroker
from tests.clock import ManualClock
from tests.function_calls import functions_by_name
from tests.integration.conftest import free_port
from tests.integration.mail.conftest import SmtpServer, use_smtp
from tests.jitter import LongestJitter
from tests.servicebus_broker import RunningBroker, start_broker
from tests.unit.mail.payloads import email
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
def servicebus() -> Iterator[RunningBroker]:
    running = start_broker(max_delivery_count=10, lock_duration=30.0)
    yield running
    if running.is_running:
        running.stop()


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """A port where no SMTP server listens yet, and the settings that send mail there."""
    port = free_port()
    use_smtp(monkeypatch, port)
    return port


@pytest.fixture
def clock_in_the_past(
    servicebus: RunningBroker, smtp_port: int, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., ManualClock]:
    def install(**overrides: Any) -> ManualClock:
        monkeypatch.setenv("BROKER", "servicebus")
        monkeypatch.setenv("ServiceBusConnection", servicebus.connection_string)
        bootstrap.reset()
        clock = ManualClock(datetime.now(UTC) - timedelta(hours=4))
        bootstrap.install(bootstrap.build(clock=clock, **overrides))
        return clock

    return install


def publish_password_reset() -> str:
    with unit_of_work() as uow:
        [message_id] = uow.publish(email("email.password_reset"))
        uow.commit()
    return str(message_id)


def as_trigger_message(received: ServiceBusReceivedMessage) -> ServiceBusMessage:
    """What the Functions host hands the trigger for a received message."""

    properties = properties_of(received)
    return ServiceBusMessage(
        body=b"".join(bytes(part) for part in received.body),
        message_id=str(received.message_id),
        delivery_count=received.delivery_count,
        correlation_id=_text(received.correlation_id),
        subject=_text(received.subject),
        application_properties=properties,
        user_properties=properties,
    )


@pytest.fixture
def receiver(servicebus: RunningBroker) -> Iterator[ServiceBusReceiver]:
    """The host's receiver of the `emails` queue."""
    client = ServiceBusClient.from_connection_string(servicebus.connection_string)
    with client, client.get_queue_receiver("emails", max_wait_time=5) as receiver:
        yield receiver


def deliver_next(receiver: ServiceBusReceiver, clock: ManualClock) -> tuple[Any, float | None]:
    """Receive the next message as the host does, move the app's clock to when it was due,
    run `emails_consume` on it and complete it (the function returned). Returns the message
    and how long after the previous failure it was scheduled (None for the first)."""
    consume = functions_by_name()["emails_consume"].get_user_function()
    [received] = receiver.receive_messages(max_message_count=1, max_wait_time=5)
    wait = None
    if received.scheduled_enqueue_time_utc is not None:
        wait = (received.scheduled_enqueue_time_utc - clock.now).total_seconds()
        clock.set(received.scheduled_enqueue_time_utc)
    consume(msg=as_trigger_message(received))
    receiver.complete_message(received)
    return received, wait


def properties_of(received: ServiceBusReceivedMessage) -> dict[str, Any]:
    return {_text(k): _text(v) for k, v in (received.application_properties or {}).items()}


def _text(value: object) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def test_a_mail_server_down_then_up_gets_the_mail_once_after_growing_delays(
    clock_in_the_past: Callable[..., ManualClock],
    servicebus: RunningBroker,
    receiver: ServiceBusReceiver,
    smtp_port: int,
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    clock = clock_in_the_past(retries=RetryPolicy(rng=LongestJitter()))
    message_id = publish_password_reset()

    waits = [deliver_next(receiver, clock)[1] for _ in range(3)]  # the server is down
    server = start_smtp_server(port=smtp_port)
    last, wait = deliver_next(receiver, clock)
    waits.append(wait)

    assert waits == [
        None,
        pytest.approx(5.0, abs=0.01),
        pytest.approx(25.0, abs=0.01),
        pytest.approx(125.0, abs=0.01),
    ]
    assert str(last.message_id) == f"{message_id}.retry3"
    assert properties_of(last) == {"lms-retry-of": message_id, "lms-deliveries-before": 3}
    [mail] = server.handler.messages
    assert mail["Message-ID"].startswith(f"<{message_id}@")
    with unit_of_work() as uow:
        rows = uow.session.scalars(select(EmailDelivery)).all()
        assert [(row.message_id, row.status) for row in rows] == [(message_id, "sent")]
    assert servicebus.depth("emails") == 0


def test_after_the_last_delivery_the_mail_is_kept_with_the_dead_letters_and_the_reason(
    clock_in_the_past: Callable[..., ManualClock],
    servicebus: RunningBroker,
    receiver: ServiceBusReceiver,
) -> None:
    clock = clock_in_the_past()
    message_id = publish_password_reset()
    policy = bootstrap.current().retries

    waits = [deliver_next(receiver, clock)[1] for _ in range(10)]

    assert servicebus.depth("emails") == 0
    for failed_delivery, wait in enumerate(waits[1:], start=1):
        assert wait is not None
        assert 4.99 <= wait <= policy.ceiling(failed_delivery).total_seconds() + 0.01
    broker = bootstrap.current().broker
    assert isinstance(broker, ServiceBusBroker)
    [letter] = broker.dead_letters("emails")
    assert (letter.message_id, letter.reason, letter.delivery_count) == (
        message_id,
        "MaxDeliveryCountExceeded",
        10,
    )
    assert (letter.description or "").startswith("MailTransportUnavailableError: SMTP server")
    assert "ada@example.org" not in (letter.description or "")
    with unit_of_work() as uow:
        assert uow.session.scalars(select(EmailDelivery)).all() == []
        assert len(uow.session.scalars(select(RejectedMessage)).all()) == 1

    assert broker.replay_dead_letters("emails", [message_id]) == 1
    [replayed] = servicebus.messages("emails")
    assert replayed.message_id == message_id
