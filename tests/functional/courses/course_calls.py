"""The course routes called as a client calls them, and what they leave on the webhooks queue."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.domain.users import Role, User
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from tests.accounts import bearer, make_user
from tests.function_calls import call_http

BASE = "/api/v1/courses"


def _headers(token: str | None) -> dict[str, str]:
    return bearer(token) if token else {}


def instructor() -> tuple[User, str]:
    return make_user(role=Role.INSTRUCTOR, full_name="Ada Lovelace")


def admin() -> tuple[User, str]:
    return make_user(role=Role.ADMIN, admin_setup_complete=True, full_name="Root Admin")


def create(body: dict[str, Any], token: str | None) -> func.HttpResponse:
    return call_http("courses_create", "POST", BASE, headers=_headers(token), json_body=body)


def list_courses(query: str = "", token: str | None = None) -> func.HttpResponse:
    return call_http("courses_list", "GET", f"{BASE}{query}", headers=_headers(token))


def get(course_id: object, token: str | None = None) -> func.HttpResponse:
    return call_http(
        "courses_get",
        "GET",
        f"{BASE}/{course_id}",
        headers=_headers(token),
        route_params={"course_id": str(course_id)},
    )


def get_by_slug(slug: str, token: str | None = None) -> func.HttpResponse:
    return call_http(
        "courses_get_by_slug",
        "GET",
        f"{BASE}/slug/{slug}",
        headers=_headers(token),
        route_params={"slug": slug},
    )


def update(course_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    return call_http(
        "courses_update",
        "PATCH",
        f"{BASE}/{course_id}",
        headers=_headers(token),
        json_body=body,
        route_params={"course_id": str(course_id)},
    )


def publish(course_id: object, token: str | None) -> func.HttpResponse:
    return call_http(
        "courses_publish",
        "POST",
        f"{BASE}/{course_id}/publish",
        headers=_headers(token),
        route_params={"course_id": str(course_id)},
    )


def delete(course_id: object, token: str | None) -> func.HttpResponse:
    return call_http(
        "courses_delete",
        "DELETE",
        f"{BASE}/{course_id}",
        headers=_headers(token),
        route_params={"course_id": str(course_id)},
    )


def webhook_messages() -> list[Envelope]:
    """Every message waiting on the webhooks queue (received, so read once)."""
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    return [Envelope.from_bytes(m.body) for m in broker.receive("webhooks", 100)]
