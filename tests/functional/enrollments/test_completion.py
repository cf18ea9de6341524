"""An enrollment completes once, when its last lesson is done: the transition, its messages
on the progress, webhooks and emails queues, under concurrency, and what a write costs."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from shared import bootstrap
from shared.domain.enrollments import Enrollment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import functions_by_name, json_of
from tests.functional.enrollments.calls import (
    complete,
    enroll,
    get,
    of_type,
    put_progress,
    record_progress,
    types_on,
)
from tests.learning import lessons_of, load, make_course, make_enrollment, make_lesson
from tests.statements import authenticated, counted_statements

pytestmark = pytest.mark.usefixtures("database_url")


def _enrolled(lessons: int, course: Any = None) -> tuple[Any, str, str, list[Any]]:
    """(student, token, enrollment id, lesson ids) for a fresh enrollment."""
    course = course or make_course(
        make_user(role=Role.INSTRUCTOR)[0], lessons=lessons, title="Queues in Practice"
    )
    student, token = make_user(full_name="Grace Hopper")
    enrollment = json_of(enroll(token, course.id))
    return student, token, enrollment["id"], [lesson.id for lesson in lessons_of(course)]


def test_completing_the_last_lesson_completes_the_enrollment_and_says_so_once() -> None:
    student, token, enrollment_id, lessons = _enrolled(2)
    complete(token, enrollment_id, lessons[0])
    assert of_type("progress", "enrollment.completed") == []

    complete(token, enrollment_id, lessons[1])

    body = json_of(get(token, enrollment_id))
    assert body["status"] == "completed"
    assert body["progress_percentage"] == "100.00"
    assert body["completed_lessons_count"] == 2
    completed_at = body["completed_at"]
    assert completed_at is not None
    expected = {
        "enrollment_id": enrollment_id,
        "student_id": str(student.id),
        "course_id": body["course_id"],
        "completed_at": datetime.fromisoformat(completed_at).isoformat(),
    }
    assert of_type("progress", "enrollment.completed") == [expected]
    assert of_type("webhooks", "enrollment.completed") == [expected]
    assert of_type("emails", "email.course_completed") == [
        {
            "to": student.email,
            "full_name": "Grace Hopper",
            "course_id": body["course_id"],
            "course_title": "Queues in Practice",
        }
    ]

    # More writes to a completed enrollment change nothing about its completion.
    complete(token, enrollment_id, lessons[1])
    put_progress(token, enrollment_id, lessons[0], {"time_spent_seconds": 300, "notes": "again"})
    again = json_of(get(token, enrollment_id))
    assert (again["status"], again["completed_at"]) == ("completed", completed_at)
    assert again["total_time_spent_seconds"] == 300
    assert types_on("progress").count("enrollment.completed") == 1
    assert types_on("webhooks").count("enrollment.completed") == 1
    assert types_on("emails").count("email.course_completed") == 1


def test_a_course_without_lessons_is_never_completed() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=0)
    _, token = make_user()
    body = json_of(enroll(token, course.id))
    assert (body["status"], body["progress_percentage"]) == ("active", "0.00")
    assert of_type("progress", "enrollment.completed") == []


def test_completion_is_sticky_when_lessons_are_added_later() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1)
    _, token, enrollment_id, lessons = _enrolled(1, course)
    complete(token, enrollment_id, lessons[0])
    new_lesson = make_lesson(course)

    response = put_progress(token, enrollment_id, new_lesson.id, {"time_spent_seconds": 5})

    assert response.status_code == 200
    body = json_of(get(token, enrollment_id))
    assert body["status"] == "completed"
    assert (body["completed_lessons_count"], body["total_lessons_count"]) == (1, 2)
    assert body["progress_percentage"] == "50.00"
    complete(token, enrollment_id, new_lesson.id)
    assert types_on("webhooks").count("enrollment.completed") == 1


@pytest.mark.postgres
def test_two_last_lessons_completed_at_the_same_moment_complete_the_enrollment_once() -> None:
    _, token, enrollment_id, lessons = _enrolled(3)
    complete(token, enrollment_id, lessons[0])

    def slow_commit(session: Session) -> None:
        # Widen the window between a write's count and its commit: without the enrollment
        # lock both writes would count 2 of 3 lessons and neither would complete.
        if any(isinstance(row, Enrollment) for row in session.dirty):
            time.sleep(0.3)

    functions_by_name()  # the app is built once, before the threads
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def finish(lesson_id: Any) -> None:
        barrier.wait()
        statuses.append(complete(token, enrollment_id, lesson_id).status_code)

    sessions = bootstrap.current().sessions
    event.listen(sessions, "before_commit", slow_commit)
    try:
        threads = [threading.Thread(target=finish, args=(lesson,)) for lesson in lessons[1:]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(sessions, "before_commit", slow_commit)

    assert statuses == [200, 200]
    stored = load(Enrollment, uuid.UUID(enrollment_id))
    assert (stored.status, stored.completed_lessons_count) == ("completed", 3)
    assert stored.progress_percentage == 100
    assert len(of_type("progress", "enrollment.completed")) == 1
    assert len(of_type("webhooks", "enrollment.completed")) == 1
    assert len(of_type("emails", "email.course_completed")) == 1


def _statements_of_a_progress_write(completed_before: int) -> list[str]:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=52)
    student, token = make_user()
    enrollment = make_enrollment(student, course)
    lessons = [lesson.id for lesson in lessons_of(course)]
    record_progress(enrollment, lessons[:completed_before])
    with counted_statements() as statements:
        response = put_progress(token, enrollment.id, lessons[-1], {"time_spent_seconds": 30})
    assert response.status_code == 200, response.get_body()
    stored = load(Enrollment, enrollment.id)
    assert stored.completed_lessons_count == completed_before
    assert stored.total_time_spent_seconds == 60 * completed_before + 30
    return statements


@pytest.mark.postgres
def test_a_progress_write_costs_seven_statements_however_many_lessons_are_done() -> None:
    one = _statements_of_a_progress_write(1)
    fifty = _statements_of_a_progress_write(50)
    # Rate limit, actor; the locked enrollment, the lesson with its course and progress,
    # the progress insert, the aggregate, the enrollment update.
    assert len(one) == len(fifty) == authenticated(7), one
