"""What the enrollment tests do over and over: call the enrollment routes as a client would,
read what was queued, run a queue's function over its messages, count statements.

    enrollment = json_of(enroll(token, course.id))
    complete(token, enrollment["id"], lesson.id)
    assert types_on("webhooks") == ["enrollment.created", "enrollment.completed"]
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
from azure.functions.servicebus import ServiceBusMessage
from sqlalchemy import select

from shared import bootstrap
from shared.domain.enrollments import Enrollment, LessonProgress
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.domain.users import Role, User
from shared.messaging.broker import OutgoingMessage
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, functions_by_name
from tests.unit_of_work import unit_of_work

ENROLLMENTS = "/api/v1/enrollments"

Id = str | uuid.UUID


def admin() -> tuple[User, str]:
    return make_user(role=Role.ADMIN, admin_setup_complete=True)


def enroll(token: str, course_id: Id) -> func.HttpResponse:
    return call_http(
        "enrollments_create",
        "POST",
        ENROLLMENTS,
        headers=bearer(token),
        json_body={"course_id": str(course_id)},
    )


def get(token: str, enrollment_id: Id) -> func.HttpResponse:
    return call_http(
        "enrollments_get",
        "GET",
        f"{ENROLLMENTS}/{enrollment_id}",
        headers=bearer(token),
        route_params={"enrollment_id": str(enrollment_id)},
    )


def my_courses(token: str, query: str = "") -> func.HttpResponse:
    return call_http(
        "enrollments_my_courses", "GET", f"{ENROLLMENTS}/my-courses{query}", headers=bearer(token)
    )


def _lesson_call(
    name: str, method: str, action: str, token: str, enrollment_id: Id, lesson_id: Id, body: Any
) -> func.HttpResponse:
    return call_http(
        name,
        method,
        f"{ENROLLMENTS}/{enrollment_id}/lessons/{lesson_id}/{action}",
        headers=bearer(token),
        json_body=body,
        route_params={"enrollment_id": str(enrollment_id), "lesson_id": str(lesson_id)},
    )


def put_progress(
    token: str, enrollment_id: Id, lesson_id: Id, body: dict[str, Any]
) -> func.HttpResponse:
    return _lesson_call(
        "enrollments_update_progress", "PUT", "progress", token, enrollment_id, lesson_id, body
    )


def complete(token: str, enrollment_id: Id, lesson_id: Id) -> func.HttpResponse:
    return _lesson_call(
        "enrollments_complete_lesson", "POST", "complete", token, enrollment_id, lesson_id, None
    )


def _enrollment_call(
    name: str, action: str, token: str, enrollment_id: Id, body: Any = None
) -> func.HttpResponse:
    return call_http(
        name,
        "POST",
        f"{ENROLLMENTS}/{enrollment_id}/{action}",
        headers=bearer(token),
        json_body=body,
        route_params={"enrollment_id": str(enrollment_id)},
    )


def review(
    token: str, enrollment_id: Id, rating: int = 5, text: str = "A very good course"
) -> func.HttpResponse:
    body = {"rating": rating, "review": text}
    return _enrollment_call("enrollments_review", "review", token, enrollment_id, body)


def drop(token: str, enrollment_id: Id) -> func.HttpResponse:
    return _enrollment_call("enrollments_drop", "drop", token, enrollment_id)


def course_list(token: str, course_id: Id, query: str = "") -> func.HttpResponse:
    return call_http(
        "enrollments_course_list",
        "GET",
        f"{ENROLLMENTS}/courses/{course_id}{query}",
        headers=bearer(token),
        route_params={"course_id": str(course_id)},
    )


def course_stats(token: str, course_id: Id) -> func.HttpResponse:
    return call_http(
        "enrollments_course_stats",
        "GET",
        f"{ENROLLMENTS}/courses/{course_id}/stats",
        headers=bearer(token),
        route_params={"course_id": str(course_id)},
    )


# --- what was queued


def sent_to(queue: str) -> list[Envelope]:
    """Every message ever sent to `queue` (settled ones too), oldest first, and any still
    waiting in the outbox."""
    with unit_of_work() as uow:
        bodies = uow.session.scalars(
            select(QueuedMessage.body)
            .where(QueuedMessage.queue == queue)
            .order_by(QueuedMessage.sequence_number)
        ).all()
        waiting = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.queue == queue)
        ).all()
        return [Envelope.from_bytes(body) for body in bodies] + [
            Envelope(m.id, m.type, m.schema_version, m.occurred_at, m.correlation_id, m.payload)
            for m in waiting
        ]


def types_on(queue: str) -> list[str]:
    return [message.type for message in sent_to(queue)]


def of_type(queue: str, message_type: str) -> list[dict[str, Any]]:
    return [m.payload for m in sent_to(queue) if m.type == message_type]


# --- queue functions


def local_broker() -> LocalBroker:
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    return broker


def _envelope(message_type: str, payload: dict[str, Any], message_id: str | None) -> Envelope:
    return Envelope(
        id=uuid.UUID(message_id) if message_id else uuid.uuid4(),
        type=message_type,
        version=1,
        occurred_at=datetime.now(UTC),
        correlation_id=None,
        payload=payload,
    )


def service_bus_message(envelope: Envelope, message_id: str | None = None) -> ServiceBusMessage:
    return ServiceBusMessage(
        body=envelope.to_bytes(),
        message_id=message_id or str(envelope.id),
        application_properties={},
        user_properties={},
        delivery_count=1,
    )


def deliver(
    queue: str, message_type: str, payload: dict[str, Any], message_id: str | None = None
) -> str:
    """Hand one message to the queue's function as the Functions host would; its id."""
    envelope = _envelope(message_type, payload, message_id)
    functions_by_name()[f"{queue}_consume"].get_user_function()(msg=service_bus_message(envelope))
    return str(envelope.id)


def send(queue: str, message_type: str, payload: dict[str, Any]) -> str:
    """Put one message on `queue` (for run_queue), as any payload, valid or not; its id."""
    envelope = _envelope(message_type, payload, None)
    local_broker().send(
        [OutgoingMessage(queue, str(envelope.id), envelope.to_bytes(), message_type)]
    )
    return str(envelope.id)


def run_queue(queue: str) -> int:
    """Deliver every waiting message of `queue` to its function, as the host would; how many."""
    broker = local_broker()
    consume = functions_by_name()[f"{queue}_consume"].get_user_function()
    delivered = 0
    while batch := broker.receive(queue, 16):
        for received in batch:
            consume(
                msg=ServiceBusMessage(
                    body=received.body,
                    message_id=received.message_id,
                    application_properties={},
                    user_properties={},
                    delivery_count=received.delivery_count,
                )
            )
            broker.complete(received)
            delivered += 1
    return delivered


# --- rows


def record_progress(
    enrollment: Enrollment, lesson_ids: list[uuid.UUID], *, seconds: int = 60
) -> None:
    """Completed progress rows written straight to the database (the summary is not touched)."""
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        for lesson_id in lesson_ids:
            uow.session.add(
                LessonProgress(
                    id=uuid.uuid4(),
                    enrollment_id=enrollment.id,
                    lesson_id=lesson_id,
                    status="completed",
                    started_at=now,
                    completed_at=now,
                    time_spent_seconds=seconds,
                    last_position_seconds=0,
                    completion_percentage=100,
                    updated_at=now,
                )
            )
        uow.commit()


def progress_rows(enrollment_id: Id) -> list[LessonProgress]:
    with unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(LessonProgress).where(
                    LessonProgress.enrollment_id == uuid.UUID(str(enrollment_id))
                )
            )
        )
        uow.session.expunge_all()
        return rows
