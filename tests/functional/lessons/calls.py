"""Clients for the lesson routes, the callers of every role, and the progress messages
published so far: what the lesson tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import azure.functions as func
from sqlalchemy import select

from shared.domain.courses import Course
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.domain.users import Role, User
from shared.messaging.envelope import Envelope
from tests.accounts import bearer, make_user
from tests.function_calls import call_http
from tests.learning import make_course, make_enrollment
from tests.unit_of_work import unit_of_work

# Every kind of caller, and who among them reads all of a published course's lessons.
ROLES = (
    "anonymous",
    "another student",
    "enrolled student",
    "graduated student",
    "dropped student",
    "owning instructor",
    "other instructor",
    "admin",
)
MANAGERS = frozenset({"owning instructor", "admin"})
FULL_READERS = MANAGERS | {"enrolled student", "graduated student"}


@dataclass(frozen=True)
class OwnedCourse:
    owner: User
    token: str
    course: Course


def owned_course(*, published: bool = True, lessons: int = 0, **fields: Any) -> OwnedCourse:
    owner, token = make_user(role=Role.INSTRUCTOR)
    return OwnedCourse(
        owner, token, make_course(owner, published=published, lessons=lessons, **fields)
    )


def caller(role: str, owned: OwnedCourse) -> str | None:
    """A token for a caller of `role` towards the course (None: anonymous)."""
    if role == "anonymous":
        return None
    if role == "owning instructor":
        return owned.token
    if role == "other instructor":
        return make_user(role=Role.INSTRUCTOR)[1]
    if role == "admin":
        return make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    student, token = make_user(role=Role.STUDENT)
    status = {"enrolled student": "active", "graduated student": "completed"}.get(role, "dropped")
    if role != "another student":
        make_enrollment(student, owned.course, status=status)
    return token


def _call(
    name: str, method: str, path: str, token: str | None, body: Any = None, **ids: object
) -> func.HttpResponse:
    return call_http(
        name,
        method,
        path,
        headers=bearer(token) if token else {},
        json_body=body,
        route_params={key: str(value) for key, value in ids.items()},
    )


def list_lessons(course_id: object, token: str | None = None) -> func.HttpResponse:
    path = f"/api/v1/courses/{course_id}/lessons"
    return _call("lessons_list", "GET", path, token, course_id=course_id)


def get_lesson(lesson_id: object, token: str | None = None) -> func.HttpResponse:
    return _call("lessons_get", "GET", f"/api/v1/lessons/{lesson_id}", token, lesson_id=lesson_id)


def create_lesson(course_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    path = f"/api/v1/courses/{course_id}/lessons"
    return _call("lessons_create", "POST", path, token, body, course_id=course_id)


def update_lesson(lesson_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    path = f"/api/v1/lessons/{lesson_id}"
    return _call("lessons_update", "PATCH", path, token, body, lesson_id=lesson_id)


def delete_lesson(lesson_id: object, token: str | None) -> func.HttpResponse:
    path = f"/api/v1/lessons/{lesson_id}"
    return _call("lessons_delete", "DELETE", path, token, lesson_id=lesson_id)


def reorder_lessons(
    course_id: object, lesson_ids: list[Any], token: str | None
) -> func.HttpResponse:
    path = f"/api/v1/courses/{course_id}/lessons/order"
    body = {"lesson_ids": [str(i) for i in lesson_ids]}
    return _call("lessons_reorder", "PUT", path, token, body, course_id=course_id)


def progress_messages() -> list[tuple[str, dict[str, Any]]]:
    """(type, payload) of every message published on the progress queue so far: what the
    relay moved to the local queue, then what is still in the outbox."""
    with unit_of_work() as uow:
        queued = [
            Envelope.from_bytes(row.body)
            for row in uow.session.scalars(
                select(QueuedMessage)
                .where(QueuedMessage.queue == "progress")
                .order_by(QueuedMessage.sequence_number)
            )
        ]
        waiting = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.queue == "progress")
        ).all()
        return [(e.type, e.payload) for e in queued] + [(m.type, m.payload) for m in waiting]
