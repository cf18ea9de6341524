"""The analytics routes called as a client would.

body = ok(course_analytics(token, course.id))
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.functions as func

from shared.domain.users import Role, User
from shared.security.permissions import Actor
from tests.accounts import bearer
from tests.function_calls import call_http, json_of

ANALYTICS = "/api/v1/analytics"

Id = str | uuid.UUID


def _get(name: str, path: str, token: str | None, **ids: Id) -> func.HttpResponse:
    return call_http(
        name,
        "GET",
        ANALYTICS + path,
        headers=bearer(token) if token else {},
        route_params={key: str(value) for key, value in ids.items()},
    )


def my_progress(token: str | None) -> func.HttpResponse:
    return _get("analytics_my_progress", "/my-progress", token)


def my_dashboard(token: str | None) -> func.HttpResponse:
    return _get("analytics_my_dashboard", "/my-dashboard", token)


def course_analytics(token: str | None, course_id: Id) -> func.HttpResponse:
    return _get("analytics_course", f"/courses/{course_id}", token, course_id=course_id)


def instructor_overview(token: str | None, instructor_id: Id) -> func.HttpResponse:
    path = f"/instructors/{instructor_id}/overview"
    return _get("analytics_instructor_overview", path, token, instructor_id=instructor_id)


def system_overview(token: str | None) -> func.HttpResponse:
    return _get("analytics_system_overview", "/system/overview", token)


def ok(response: func.HttpResponse) -> Any:
    """The JSON body of a 200 answer."""
    assert response.status_code == 200, response.get_body()
    return json_of(response)


def refused(response: func.HttpResponse) -> tuple[int, str]:
    """The status and detail of an error answer."""
    return response.status_code, json_of(response)["detail"]


def actor_of(user: User) -> Actor:
    """The user as the caller of a service called directly (on the test's clock)."""
    return Actor(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        token_id=uuid.uuid4(),
        token_expires_at=datetime.now(UTC) + timedelta(minutes=15),
    )
