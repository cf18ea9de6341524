"""Fixtures and small clients for the /api/v1/auth tests.

Password hashing runs with the test profile's argon2 parameters (tests/conftest.py), so the
lockout tests' many sign-ins stay fast. Rate limiting is off so a test's many sign-ins never
meet the per-IP request budget; its own tests cover it.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from sqlalchemy import select

from shared import bootstrap
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.local.app_functions import QueueFunction
from shared.local.queue_consumer import QueueConsumer
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from tests.function_calls import call_http, functions_by_name, json_of
from tests.unit_of_work import unit_of_work

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    monkeypatch.setenv("MAILDIR_PATH", str(tmp_path / "mail"))  # what deliver_emails sends
    bootstrap.reset()  # the dependencies are built again, from these settings


def deliver_emails() -> int:
    """Run the `emails` queue through the app's real `emails_consume` until it is empty, as
    the local host would (requested links become e-mails, e-mails go to the Maildir); the
    number of deliveries."""
    user_function = functions_by_name()["emails_consume"].get_user_function()
    function = QueueFunction("emails_consume", "emails", lambda msg: user_function(msg=msg))
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    consumer = QueueConsumer([function], broker)
    delivered = 0
    while batch := broker.receive("emails", 8):
        for message in batch:
            assert consumer.deliver(function, message)
            delivered += 1
    return delivered


def maildir_messages() -> list[EmailMessage]:
    """The e-mails the Maildir transport has written so far."""
    folder = bootstrap.current().settings.MAILDIR_PATH / "new"
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted(folder.glob("*"))
    ]


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def post(name: str, path: str, body: Any = None, **kwargs: Any) -> func.HttpResponse:
    return call_http(name, "POST", path, json_body=body, **kwargs)


def register(
    email: str = "ada@example.org", password: str = PASSWORD, full_name: str = "Ada Lovelace"
) -> dict[str, Any]:
    response = post(
        "auth_register",
        "/api/v1/auth/register",
        {"email": email, "password": password, "full_name": full_name},
    )
    assert response.status_code == 201, response.get_body()
    body: dict[str, Any] = json_of(response)
    return body


def login(
    email: str = "ada@example.org",
    password: str = PASSWORD,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    return post(
        "auth_login",
        "/api/v1/auth/login",
        {"email": email, "password": password},
        headers=headers,
    )


def me(access_token: str) -> func.HttpResponse:
    return call_http("auth_me", "GET", "/api/v1/auth/me", headers=bearer(access_token))


def emails(message_type: str | None = None) -> list[dict[str, Any]]:
    """Payloads of the e-mail messages published so far, oldest first, as `{type, payload}`.

    After commit the relay moves outbox rows to the local queue; whatever it did not move is
    still in the outbox. The queue is run first, so requested links have become e-mails; rows
    of delivered messages stay in the table, completed.
    """
    deliver_emails()
    found: list[tuple[str, dict[str, Any]]] = []
    with unit_of_work() as uow:
        for row in uow.session.scalars(
            select(QueuedMessage)
            .where(QueuedMessage.queue == "emails")
            .order_by(QueuedMessage.sequence_number)
        ):
            envelope = Envelope.from_bytes(row.body)
            found.append((envelope.type, envelope.payload))
        for outbox in uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.queue == "emails")
            .order_by(OutboxMessage.occurred_at)
        ):
            found.append((outbox.type, outbox.payload))
    return [
        {"type": kind, "payload": payload}
        for kind, payload in found
        if message_type is None or kind == message_type
    ]


def last_email(message_type: str) -> dict[str, Any]:
    sent = emails(message_type)
    assert sent, f"no {message_type} message was published"
    payload: dict[str, Any] = sent[-1]["payload"]
    return payload


def token_from_link(link: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(link).query)["token"][0]
