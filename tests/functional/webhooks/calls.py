"""What the webhook tests do over and over: the routes called as an admin client would, an
event published as a service would, and the queues run as the host would."""

from __future__ import annotations

import uuid
from typing import Any

import azure.functions as func
from sqlalchemy import select

from shared.domain.users import Role
from shared.domain.webhooks import WebhookDelivery, WebhookSubscription
from shared.messages.events import EnrollmentCompleted
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.functional.enrollments.calls import run_queue
from tests.unit_of_work import unit_of_work

WEBHOOKS = "/api/v1/webhooks"
Id = str | uuid.UUID


def admin_token() -> str:
    return make_user(role=Role.ADMIN, admin_setup_complete=True, full_name="Grace Hopper")[1]


def call(
    name: str, method: str, path: str, token: str | None, body: Any = None, **params: Id
) -> func.HttpResponse:
    return call_http(
        name,
        method,
        WEBHOOKS + path,
        headers=bearer(token) if token else {},
        json_body=body,
        route_params={key: str(value) for key, value in params.items()},
    )


def subscribe(token: str, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = call("webhooks_create", "POST", "", token, {"url": url, "events": events or ["*"]})
    assert response.status_code == 201, response.get_body()
    created: dict[str, Any] = json_of(response)
    return created


def deliveries(token: str, webhook_id: Id, query: str = "") -> dict[str, Any]:
    path = f"/{webhook_id}/deliveries{query}"
    response = call("webhooks_deliveries", "GET", path, token, webhook_id=webhook_id)
    assert response.status_code == 200, response.get_body()
    log: dict[str, Any] = json_of(response)
    return log


def publish_completion() -> dict[str, Any]:
    """An enrollment.completed event, as the progress service publishes it; its payload."""
    from datetime import UTC, datetime

    event = EnrollmentCompleted(
        enrollment_id=uuid.uuid4(),
        student_id=uuid.uuid4(),
        course_id=uuid.uuid4(),
        completed_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    )
    with unit_of_work() as uow:
        uow.publish(event)
        uow.commit()
    return event.payload()


def run_webhooks() -> int:
    return run_queue("webhooks")


def delivery_rows() -> list[WebhookDelivery]:
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(WebhookDelivery)).all())
        uow.session.expunge_all()
        return rows


def subscription_row(webhook_id: Id) -> WebhookSubscription:
    with unit_of_work() as uow:
        row = uow.session.get(WebhookSubscription, uuid.UUID(str(webhook_id)))
        assert row is not None
        uow.session.expunge_all()
        return row
