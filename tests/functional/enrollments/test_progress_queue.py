"""The progress and webhooks queues, through their queue functions as the Functions host
calls them: course figures, enrollment summaries after lessons change, acknowledgements."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment
from shared.domain.inbox import ProcessedMessage
from shared.domain.users import Role
from shared.messages.base import Message
from shared.messages.events import (
    CertificateIssued,
    CoursePublished,
    EnrollmentCompleted,
    EnrollmentCreated,
    QuizSubmitted,
)
from tests.accounts import make_user
from tests.functional.enrollments.calls import (
    deliver,
    local_broker,
    of_type,
    record_progress,
    run_queue,
    send,
    types_on,
)
from tests.learning import lessons_of, load, make_course, make_enrollment, make_lesson
from tests.statements import counted_statements
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _inbox(consumer: str) -> int:
    with unit_of_work() as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(ProcessedMessage)
                .where(ProcessedMessage.consumer == consumer)
            )
            or 0
        )


def _rated_course() -> Course:
    """Enrollments: active rated 5, completed rated 4, dropped rated 1, expired, active."""
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=2)
    for status, rating in (
        ("active", 5),
        ("completed", 4),
        ("dropped", 1),
        ("expired", None),
        ("active", None),
    ):
        make_enrollment(make_user()[0], course, status=status, rating=rating)
    return course


def _figures(course_id: uuid.UUID) -> tuple[Any, ...]:
    course: Course = load(Course, course_id)
    return (
        course.enrollment_count,
        course.completed_count,
        course.total_reviews,
        course.average_rating,
    )


def test_enrollments_changed_recomputes_the_course_figures_from_the_table() -> None:
    course = _rated_course()

    deliver("progress", "course.enrollments_changed", {"course_id": str(course.id)})

    # active + completed; completed; every rating given; their mean to 2 places.
    assert _figures(course.id) == (3, 1, 3, 3.33)


def test_enrollments_changed_delivered_twice_has_one_effect() -> None:
    course = _rated_course()
    message_id = str(uuid.uuid4())
    payload = {"course_id": str(course.id)}
    deliver("progress", "course.enrollments_changed", payload, message_id)
    with unit_of_work() as uow:  # something the second delivery must not overwrite
        uow.session.execute(update(Course).where(Course.id == course.id).values(total_reviews=99))
        uow.commit()

    deliver("progress", "course.enrollments_changed", payload, message_id)

    assert _figures(course.id) == (3, 1, 99, 3.33)
    assert _inbox("progress") == 1


def test_stale_or_repeated_messages_still_leave_the_figures_right() -> None:
    course = _rated_course()
    for _ in range(3):  # three different messages, any order: the same answer
        deliver("progress", "course.enrollments_changed", {"course_id": str(course.id)})
    assert _figures(course.id) == (3, 1, 3, 3.33)


def test_a_course_without_ratings_has_no_average() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0])
    make_enrollment(make_user()[0], course)
    deliver("progress", "course.enrollments_changed", {"course_id": str(course.id)})
    assert _figures(course.id) == (1, 0, 0, None)


def test_enrollment_completed_updates_the_course_and_asks_for_the_certificate() -> None:
    course = _rated_course()
    enrollment_id = str(uuid.uuid4())
    payload = {
        "enrollment_id": enrollment_id,
        "student_id": str(uuid.uuid4()),
        "course_id": str(course.id),
        "completed_at": "2026-01-01T00:00:00+00:00",
    }

    message_id = deliver("progress", "enrollment.completed", payload)
    deliver("progress", "enrollment.completed", payload, message_id)

    assert _figures(course.id) == (3, 1, 3, 3.33)
    assert of_type("certificates", "certificate.issue") == [{"enrollment_id": enrollment_id}]


def test_a_message_without_its_course_id_fails_and_leaves_nothing() -> None:
    message_id = send("progress", "course.enrollments_changed", {})

    run_queue("progress")

    # No retry can help it: taken out of the queue at once, with the reason.
    [letter] = local_broker().dead_letters("progress")
    assert (letter.message_id, letter.reason) == (message_id, "InvalidPayload")
    assert "course_id: Field required" in (letter.description or "")
    assert _inbox("progress") == 0


class ThreeLearners:
    """A course of 3 lessons: `ahead` did lessons 1-2, `behind` lesson 1, `new` nothing,
    `finished` all three (completed). Then lesson 3 is deleted, as the lessons stream does."""

    def __init__(self) -> None:
        self.course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=3, title="Trimmed")
        lessons = [lesson.id for lesson in lessons_of(self.course)]
        self.ahead = make_enrollment(make_user(full_name="Ahead")[0], self.course)
        self.behind = make_enrollment(make_user()[0], self.course)
        self.new = make_enrollment(make_user()[0], self.course)
        self.finished = make_enrollment(make_user()[0], self.course, status="completed")
        record_progress(self.ahead, lessons[:2], seconds=100)
        record_progress(self.behind, lessons[:1], seconds=100)
        record_progress(self.finished, lessons, seconds=10)
        with unit_of_work() as uow:
            uow.session.execute(delete(Lesson).where(Lesson.id == lessons[2]))
            uow.session.execute(
                update(Course).where(Course.id == self.course.id).values(total_lessons=2)
            )
            uow.commit()

    def summary(self, enrollment: Enrollment) -> tuple[Any, ...]:
        stored: Enrollment = load(Enrollment, enrollment.id)
        return (
            stored.status,
            stored.completed_lessons_count,
            stored.total_lessons_count,
            stored.progress_percentage,
            stored.total_time_spent_seconds,
        )

    def lessons_changed(self) -> None:
        deliver("progress", "course.lessons_changed", {"course_id": str(self.course.id)})


def test_lessons_changed_recomputes_every_enrollment_and_completes_the_one_now_done() -> None:
    learners = ThreeLearners()

    learners.lessons_changed()

    assert learners.summary(learners.ahead) == ("completed", 2, 2, 100, 200)
    assert learners.summary(learners.behind) == ("active", 1, 2, 50, 100)
    assert learners.summary(learners.new) == ("active", 0, 2, 0, 0)
    assert learners.summary(learners.finished) == ("completed", 2, 2, 100, 20)
    ahead: Enrollment = load(Enrollment, learners.ahead.id)
    assert ahead.completed_at is not None
    expected = {
        "enrollment_id": str(ahead.id),
        "student_id": str(ahead.student_id),
        "course_id": str(learners.course.id),
        "completed_at": ahead.completed_at.isoformat(),
    }
    assert of_type("progress", "enrollment.completed") == [expected]
    assert of_type("webhooks", "enrollment.completed") == [expected]
    [mail] = of_type("emails", "email.course_completed")
    assert (mail["full_name"], mail["course_title"]) == ("Ahead", "Trimmed")

    # Delivered again under a new id: nothing completes twice.
    learners.lessons_changed()
    assert types_on("webhooks").count("enrollment.completed") == 1


def test_completion_stays_when_a_lesson_is_added_after_it() -> None:
    learners = ThreeLearners()
    learners.lessons_changed()
    make_lesson(learners.course)

    learners.lessons_changed()

    assert learners.summary(learners.ahead) == ("completed", 2, 3, 66.67, 200)
    assert learners.summary(learners.behind) == ("active", 1, 3, 33.33, 100)
    assert learners.summary(learners.finished)[:4] == ("completed", 2, 3, 66.67)
    assert types_on("webhooks").count("enrollment.completed") == 1


def _statements_of_lessons_changed(enrollments: int) -> int:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=2)
    lesson = lessons_of(course)[0].id
    for _ in range(enrollments):
        record_progress(make_enrollment(make_user()[0], course), [lesson])
    with counted_statements() as statements:
        deliver("progress", "course.lessons_changed", {"course_id": str(course.id)})
    assert {e.completed_lessons_count for e in _enrollments_of(course)} == {1}
    return len(statements)


def _enrollments_of(course: Course) -> list[Enrollment]:
    with unit_of_work() as uow:
        rows = list(
            uow.session.scalars(select(Enrollment).where(Enrollment.course_id == course.id))
        )
        uow.session.expunge_all()
        return rows


@pytest.mark.postgres
def test_lessons_changed_costs_the_same_statements_for_2_or_12_enrollments() -> None:
    assert _statements_of_lessons_changed(2) == _statements_of_lessons_changed(12)


def _webhook_event(event: str) -> Message:
    now = datetime.now(UTC)
    ids = {name: uuid.uuid4() for name in ("course_id", "enrollment_id", "student_id")}
    if event == "course.published":
        return CoursePublished(
            course_id=ids["course_id"], instructor_id=uuid.uuid4(), published_at=now
        )
    if event == "enrollment.created":
        return EnrollmentCreated(**ids, status="active", enrolled_at=now)
    if event == "enrollment.completed":
        return EnrollmentCompleted(**ids, completed_at=now)
    if event == "certificate.issued":
        number = "CERT-20260101-00000000AB"
        return CertificateIssued(
            **ids, certificate_id=uuid.uuid4(), certificate_number=number, issued_at=now
        )
    return QuizSubmitted(
        attempt_id=uuid.uuid4(),
        quiz_id=uuid.uuid4(),
        enrollment_id=ids["enrollment_id"],
        student_id=ids["student_id"],
        percentage=Decimal("87.50"),
        is_passed=True,
        submitted_at=now,
    )


@pytest.mark.parametrize(
    "event",
    [
        "course.published",
        "enrollment.created",
        "enrollment.completed",
        "certificate.issued",
        "quiz.submitted",
    ],
)
def test_webhook_events_without_subscribers_are_handled_once_and_deliver_nothing(
    event: str, caplog: pytest.LogCaptureFixture
) -> None:
    message = _webhook_event(event)
    assert message.type == event
    with caplog.at_level(logging.INFO, logger="lms.webhooks"):
        message_id = deliver("webhooks", event, message.payload())
        deliver("webhooks", event, _webhook_event(event).payload(), message_id)
    assert _inbox("webhooks") == 1
    acknowledged = [r for r in caplog.records if r.name == "lms.webhooks"]
    assert len(acknowledged) == 1
    assert acknowledged[0].getMessage() == f"webhook event {event}: 0 deliveries queued"
