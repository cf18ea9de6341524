"""The `emails` queue end to end: a message becomes a mail at a real SMTP server, once; a
refused address is recorded and not retried; a server that is down means a retry."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select

from functions_jobs.emails import HANDLERS
from shared import bootstrap
from shared.domain.inbox import ProcessedMessage
from shared.domain.mail import EmailDelivery
from shared.local.app_functions import QueueFunction
from shared.local.queue_consumer import QueueConsumer
from shared.mail.delivery import MailTransportUnavailableError
from shared.messaging.broker import Delivery, OutgoingMessage
from shared.messaging.consumer import consume
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from shared.messaging.retries import RetryPolicy
from tests.clock import ManualClock
from tests.function_calls import call_http, json_of
from tests.integration.conftest import free_port
from tests.integration.mail.conftest import (
    SendEmailServer,
    SmtpServer,
    use_firebase,
    use_smtp,
)
from tests.integration.queue_draining import drain
from tests.jitter import LongestJitter
from tests.unit.mail.payloads import PAYLOADS, RESET_LINK, TOKEN, email
from tests.unit_of_work import unit_of_work, write_meanwhile

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def envelope_body(message_type: str, payload: dict[str, Any]) -> tuple[str, bytes]:
    message_id = uuid.uuid4()
    envelope = Envelope(message_id, message_type, 1, datetime.now(UTC), None, payload)
    return str(message_id), envelope.to_bytes()


def handle_message(message_id: str, body: bytes) -> bool:
    """The `emails` queue's handling of one delivery, as its trigger does it."""
    return consume(bootstrap.current(), HANDLERS, Delivery("emails", message_id, body, 1))


def publish(message_type: str) -> str:
    with unit_of_work() as uow:
        [message_id] = uow.publish(email(message_type))
        uow.commit()
    return str(message_id)


def local_broker() -> LocalBroker:
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    return broker


def deliveries() -> list[EmailDelivery]:
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(EmailDelivery)))
        uow.session.expunge_all()
        return rows


def inbox() -> list[str]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(ProcessedMessage.message_id)))


def test_register_sends_the_welcome_mail_through_the_queue_to_the_smtp_server(
    smtp_server: SmtpServer, emails_function: QueueFunction
) -> None:
    response = call_http(
        "auth_register",
        "POST",
        "/api/v1/auth/register",
        json_body={
            "email": "grace@example.org",
            "password": "correct horse battery",
            "full_name": "Grace Hopper",
        },
    )
    assert response.status_code == 201, json_of(response)
    broker = local_broker()
    assert broker.stats("emails").active == 1  # relayed from the outbox right after commit

    assert drain(QueueConsumer([emails_function], broker), emails_function) == 1

    [message] = smtp_server.handler.messages
    assert message["Subject"] == "Welcome to LMS"
    assert message["To"] == "grace@example.org"
    assert message["From"] == "LMS <no-reply@lms.example.org>"
    assert "Hello Grace Hopper," in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [row] = deliveries()
    assert message["Message-ID"] == f"<{row.message_id}@lms.example.org>"
    assert (row.message_type, row.recipient, row.status, row.transport) == (
        "email.welcome",
        "grace@example.org",
        "sent",
        "smtp",
    )
    assert row.transport_id == "2.0.0 Ok: queued as Q1"
    stats = broker.stats("emails")
    assert (stats.active, stats.dead_lettered) == (0, 0)


def test_a_message_delivered_twice_sends_one_mail(smtp_server: SmtpServer) -> None:
    message_id, body = envelope_body("email.welcome", PAYLOADS["email.welcome"])
    assert handle_message(message_id, body) is True
    assert handle_message(message_id, body) is False
    assert len(smtp_server.handler.envelopes) == 1
    assert [row.message_id for row in deliveries()] == [message_id]


def test_a_redelivery_after_the_inbox_forgot_the_message_sends_nothing(
    smtp_server: SmtpServer,
) -> None:
    message_id, body = envelope_body("email.welcome", PAYLOADS["email.welcome"])
    handle_message(message_id, body)
    with unit_of_work() as uow:
        uow.session.execute(delete(ProcessedMessage))  # housekeeping after the retention
        uow.commit()
    assert handle_message(message_id, body) is True
    assert len(smtp_server.handler.envelopes) == 1
    assert len(deliveries()) == 1


def test_when_the_smtp_server_is_down_the_handler_raises_and_nothing_is_committed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_smtp(monkeypatch, free_port())
    message_id, body = envelope_body("email.welcome", PAYLOADS["email.welcome"])
    with pytest.raises(MailTransportUnavailableError, match="cannot connect"):
        handle_message(message_id, body)
    assert deliveries() == []
    assert inbox() == []


def test_a_server_that_stays_down_dead_letters_the_mail_and_a_replay_sends_it(
    monkeypatch: pytest.MonkeyPatch,
    start_smtp_server: Any,
    emails_function: QueueFunction,
) -> None:
    use_smtp(monkeypatch, free_port())
    clock = ManualClock()
    bootstrap.install(bootstrap.build(clock=clock))
    message_id = publish("email.password_reset")
    broker = local_broker()
    queue_consumer = QueueConsumer([emails_function], broker)

    waits: list[float] = []
    assert drain(queue_consumer, emails_function, clock, waits) == 10
    assert len(waits) == 9
    [letter] = broker.dead_letters("emails")
    assert letter.message_id == message_id
    assert (letter.description or "").startswith("MailTransportUnavailableError: SMTP server")
    assert "ada@example.org" not in (letter.description or "")
    assert deliveries() == []

    server = start_smtp_server()
    use_smtp(monkeypatch, server.port)
    assert broker.replay_dead_letters("emails", [message_id]) == 1
    assert drain(queue_consumer, emails_function) == 1
    assert len(server.handler.envelopes) == 1
    assert [row.status for row in deliveries()] == ["sent"]


def test_a_mail_server_down_for_three_deliveries_then_up_gets_the_mail_once(
    monkeypatch: pytest.MonkeyPatch,
    start_smtp_server: Any,
    emails_function: QueueFunction,
) -> None:
    port = free_port()
    use_smtp(monkeypatch, port)
    clock = ManualClock()
    bootstrap.install(bootstrap.build(clock=clock, retries=RetryPolicy(rng=LongestJitter())))
    message_id = publish("email.password_reset")
    broker = local_broker()
    queue_consumer = QueueConsumer([emails_function], broker)
    started = clock.now

    waits: list[float] = []
    assert drain(queue_consumer, emails_function, clock, waits, limit=3) == 3
    assert deliveries() == []
    server = start_smtp_server(port=port)  # the outage ends during the third backoff
    assert drain(queue_consumer, emails_function, clock, waits) == 1

    assert waits == [5.0, 25.0, 125.0]
    assert (clock.now - started).total_seconds() == 155.0
    [mail] = server.handler.messages
    assert mail["Message-ID"].startswith(f"<{message_id}")
    assert [(row.message_id, row.status) for row in deliveries()] == [(message_id, "sent")]
    assert inbox() == [message_id]
    stats = broker.stats("emails")
    assert (stats.active, stats.scheduled, stats.dead_lettered) == (0, 0, 0)


def test_a_recipient_refused_with_550_is_recorded_as_rejected_and_not_retried(
    smtp_server: SmtpServer, emails_function: QueueFunction
) -> None:
    smtp_server.handler.rcpt_reply = "550 5.1.1 <ada@example.org>: Recipient address rejected"
    message_id = publish("email.welcome")
    broker = local_broker()

    assert drain(QueueConsumer([emails_function], broker), emails_function) == 1

    assert smtp_server.handler.envelopes == []
    [row] = deliveries()
    assert (row.message_id, row.status, row.recipient, row.transport_id) == (
        message_id,
        "rejected",
        "ada@example.org",
        None,
    )
    assert row.reason == "550 5.1.1 <ada@example.org>: Recipient address rejected"
    stats = broker.stats("emails")
    assert (stats.active, stats.dead_lettered) == (0, 0)
    assert inbox() == [message_id]


def test_a_payload_that_does_not_fit_its_email_is_dead_lettered_at_once_and_never_sent(
    smtp_server: SmtpServer, emails_function: QueueFunction
) -> None:
    payload = {k: v for k, v in PAYLOADS["email.mfa_login_code"].items() if k != "code"}
    message_id, body = envelope_body("email.mfa_login_code", payload)
    broker = local_broker()
    broker.send([OutgoingMessage("emails", message_id, body, "email.mfa_login_code")])

    assert drain(QueueConsumer([emails_function], broker), emails_function) == 1

    assert smtp_server.handler.envelopes == []
    assert deliveries() == []
    [letter] = broker.dead_letters("emails")
    assert (letter.reason, letter.delivery_count) == ("InvalidPayload", 1)
    assert letter.description == "email.mfa_login_code: code: Field required"


def test_the_logs_show_neither_the_address_nor_the_body(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    handle_message(*envelope_body("email.password_reset", PAYLOADS["email.password_reset"]))
    smtp_server.handler.rcpt_reply = "550 5.1.1 <ada@example.org>: Recipient address rejected"
    handle_message(*envelope_body("email.welcome", PAYLOADS["email.welcome"]))

    # Every record but the test SMTP server's own ("mail.log").
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "sent via smtp" in logged
    assert "rejected for good" in logged
    assert "***@example.org" in logged
    assert "ada@example.org" not in logged
    assert TOKEN not in logged
    assert RESET_LINK not in logged


def test_by_default_the_mail_is_written_to_the_maildir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("MAILDIR_PATH", str(tmp_path / "mail"))
    bootstrap.reset()
    handle_message(*envelope_body("email.welcome", PAYLOADS["email.welcome"]))
    [file] = (tmp_path / "mail" / "new").iterdir()
    assert b"Subject: Welcome to LMS" in file.read_bytes()
    [row] = deliveries()
    assert (row.transport, row.transport_id) == ("maildir", file.name.split(":")[0])


def test_with_the_firebase_transport_the_mail_is_posted_and_its_queue_id_recorded(
    monkeypatch: pytest.MonkeyPatch, send_email_server: SendEmailServer
) -> None:
    use_firebase(monkeypatch, send_email_server)
    message_id, body = envelope_body("email.mfa_setup_code", PAYLOADS["email.mfa_setup_code"])
    handle_message(message_id, body)
    [request] = send_email_server.requests
    assert request["signed"] is True
    assert request["json"]["message_id"] == message_id
    [row] = deliveries()
    assert (row.status, row.transport, row.transport_id) == (
        "sent",
        "firebase",
        f"queued-{message_id[:8]}",
    )


def test_no_transaction_is_open_while_the_transport_answers(
    monkeypatch: pytest.MonkeyPatch, send_email_server: SendEmailServer
) -> None:
    use_firebase(monkeypatch, send_email_server)
    seen: list[int] = []
    # A write (on SQLite an open transaction would hold the lock it needs until the transport
    # timed out) and, on PostgreSQL, the sessions idle in a transaction.
    send_email_server.during = lambda: seen.append(write_meanwhile())
    handle_message(*envelope_body("email.welcome", PAYLOADS["email.welcome"]))

    assert seen == [0]
    [row] = deliveries()
    assert row.status == "sent"
