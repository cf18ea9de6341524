"""Fixtures and small clients for the /api/v1/auth tests.

Password hashing runs with the test profile's argon2 parameters (tests/conftest.py), so the
lockout tests' many sign-ins stay fast. Rate limiting is off so a test's many sign-ins never
meet the per-IP request budget; its own tests cover it.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func
import pytest
from sqlalchemy import select

from shared import bootstrap
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.messaging.envelope import Envelope
from tests.function_calls import call_http, json_of
from tests.unit_of_work import unit_of_work

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    bootstrap.reset()  # the dependencies are built again, from these settings


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
    still in the outbox.
    """
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
