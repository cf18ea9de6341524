"""PUT /enrollments/{id}/lessons/{lesson_id}/progress and POST .../complete: who may write,
the lesson progress state machine (§3.10 of the reference) and the enrollment summary."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.enrollments import Enrollment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.enrollments.calls import admin, complete, drop, get, of_type, put_progress
from tests.learning import lessons_of, load, make_course, make_enrollment

pytestmark = pytest.mark.usefixtures("database_url")

PROGRESS_FIELDS = {
    "id",
    "enrollment_id",
    "lesson_id",
    "status",
    "started_at",
    "completed_at",
    "time_spent_seconds",
    "last_position_seconds",
    "completion_percentage",
    "notes",
}


class Learning:
    """A student enrolled in a published course of `lessons` lessons."""

    def __init__(self, lessons: int = 3) -> None:
        self.instructor, self.instructor_token = make_user(role=Role.INSTRUCTOR)
        self.course = make_course(self.instructor, lessons=lessons)
        self.lessons = [lesson.id for lesson in lessons_of(self.course)]
        self.student, self.token = make_user()
        self.enrollment = make_enrollment(self.student, self.course)

    def put(self, body: dict[str, Any], lesson: int = 0, token: str | None = None) -> Any:
        return put_progress(token or self.token, self.enrollment.id, self.lessons[lesson], body)

    def put_ok(self, body: dict[str, Any], lesson: int = 0) -> dict[str, Any]:
        response = self.put(body, lesson)
        assert response.status_code == 200, response.get_body()
        result: dict[str, Any] = json_of(response)
        return result

    def complete(self, lesson: int) -> dict[str, Any]:
        response = complete(self.token, self.enrollment.id, self.lessons[lesson])
        assert response.status_code == 200, response.get_body()
        result: dict[str, Any] = json_of(response)
        return result

    def stored(self) -> Enrollment:
        enrollment: Enrollment = load(Enrollment, self.enrollment.id)
        return enrollment


# --- who may write


@pytest.mark.parametrize(
    "caller, status",
    [
        ("owner", 200),
        ("other student", 403),
        ("course instructor", 403),
        ("other instructor", 403),
        ("admin", 200),
    ],
)
def test_progress_is_written_by_the_student_or_an_admin_only(caller: str, status: int) -> None:
    learning = Learning()
    token = {
        "owner": learning.token,
        "other student": make_user()[1],
        "course instructor": learning.instructor_token,
        "other instructor": make_user(role=Role.INSTRUCTOR)[1],
        "admin": admin()[1],
    }[caller]

    for response in (
        learning.put({"time_spent_seconds": 5}, token=token),
        complete(token, learning.enrollment.id, learning.lessons[1]),
    ):
        assert response.status_code == status, response.get_body()
        if status == 403:
            detail = "Not authorized to update this enrollment progress"
            assert json_of(response)["detail"] == detail
    assert learning.stored().completed_lessons_count == (1 if status == 200 else 0)


def test_a_lesson_of_another_course_is_404() -> None:
    learning = Learning()
    other = lessons_of(make_course(learning.instructor, lessons=1))[0]
    for response in (
        put_progress(learning.token, learning.enrollment.id, other.id, {}),
        complete(learning.token, learning.enrollment.id, uuid.uuid4()),
    ):
        assert response.status_code == 404
        assert json_of(response)["detail"] == "Lesson not found in this enrollment's course"


def test_an_unknown_enrollment_is_404() -> None:
    learning = Learning()
    response = put_progress(learning.token, uuid.uuid4(), learning.lessons[0], {})
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Enrollment not found"


@pytest.mark.parametrize("status", ["dropped", "expired"])
def test_a_dropped_or_expired_enrollment_takes_no_progress_409(status: str) -> None:
    learning = Learning()
    if status == "dropped":
        assert drop(learning.token, learning.enrollment.id).status_code == 200
    else:
        course = make_course(learning.instructor, lessons=1)
        learning.enrollment = make_enrollment(learning.student, course, status="expired")
        learning.lessons = [lessons_of(course)[0].id]
    for response in (
        learning.put({}),
        complete(learning.token, learning.enrollment.id, learning.lessons[0]),
    ):
        assert response.status_code == 409
        detail = "This enrollment was dropped; enroll in the course again to continue"
        assert json_of(response)["detail"] == detail


@pytest.mark.parametrize(
    "body",
    [
        {"time_spent_seconds": -1},
        {"time_spent_seconds": 10_000_001},
        {"last_position_seconds": -1},
        {"completion_percentage": 100.5},
        {"completion_percentage": -0.5},
        {"status": "finished"},
        {"notes": "x" * 5001},
    ],
)
def test_out_of_range_progress_is_422(body: dict[str, Any]) -> None:
    assert Learning().put(body).status_code == 422


# --- the state machine, one rule at a time


def test_a_first_write_without_a_status_starts_the_lesson() -> None:
    learning = Learning()
    body = learning.put_ok({})
    assert set(body) == PROGRESS_FIELDS
    assert body["status"] == "in_progress"
    assert body["started_at"] is not None
    assert body["completed_at"] is None
    assert body["completion_percentage"] == "0.00"
    assert body["enrollment_id"] == str(learning.enrollment.id)
    assert body["lesson_id"] == str(learning.lessons[0])


def test_not_started_with_nothing_done_stays_not_started_without_timestamps() -> None:
    body = Learning().put_ok({"status": "not_started"})
    assert body["status"] == "not_started"
    assert body["started_at"] is body["completed_at"] is None


@pytest.mark.parametrize(
    "field, value, shown",
    [
        ("time_spent_seconds", 30, 30),
        ("last_position_seconds", 12, 12),
        ("completion_percentage", 5, "5.00"),  # the reference's decimal string
    ],
)
def test_not_started_with_anything_done_becomes_in_progress(
    field: str, value: int, shown: object
) -> None:
    body = Learning().put_ok({"status": "not_started", field: value})
    assert body["status"] == "in_progress"
    assert body["started_at"] is not None
    assert body[field] == shown


def test_a_percentage_of_100_completes_the_lesson_whatever_the_status() -> None:
    body = Learning().put_ok({"status": "in_progress", "completion_percentage": 100})
    assert body["status"] == "completed"
    assert body["completion_percentage"] == "100.00"
    assert body["completed_at"] is not None
    assert body["started_at"] is not None


def test_status_completed_sets_the_percentage_to_100() -> None:
    body = Learning().put_ok({"status": "completed", "completion_percentage": 40})
    assert body["status"] == "completed"
    assert body["completion_percentage"] == "100.00"


@pytest.mark.parametrize("lower", ["in_progress", "not_started"])
def test_completed_progress_cannot_be_downgraded_400(lower: str) -> None:
    learning = Learning()
    done = learning.complete(0)

    response = learning.put({"status": lower, "completion_percentage": 0})

    assert response.status_code == 400
    assert json_of(response)["detail"] == "Completed lesson progress cannot be downgraded"
    stored = learning.put_ok({})
    assert (stored["status"], stored["completed_at"]) == ("completed", done["completed_at"])
    assert learning.stored().completed_lessons_count == 1


def test_writing_a_completed_lesson_again_keeps_its_completion_time() -> None:
    learning = Learning()
    done = learning.complete(0)
    again = learning.put_ok({"status": "completed", "time_spent_seconds": 90, "notes": "recap"})
    assert again["status"] == "completed"
    assert again["completed_at"] == done["completed_at"]
    assert again["started_at"] == done["started_at"]
    assert again["time_spent_seconds"] == 90
    assert again["notes"] == "recap"
    assert learning.complete(0)["completed_at"] == done["completed_at"]


def test_back_to_not_started_clears_the_percentage_and_the_timestamps() -> None:
    learning = Learning()
    learning.put_ok({"completion_percentage": 40, "time_spent_seconds": 10})
    body = learning.put_ok(
        {
            "status": "not_started",
            "completion_percentage": 0,
            "time_spent_seconds": 0,
            "last_position_seconds": 0,
        }
    )
    assert body["status"] == "not_started"
    assert body["completion_percentage"] == "0.00"
    assert body["started_at"] is body["completed_at"] is None


def test_in_progress_keeps_the_first_start_time() -> None:
    learning = Learning()
    first = learning.put_ok({"time_spent_seconds": 10})
    second = learning.put_ok({"status": "in_progress", "time_spent_seconds": 20})
    assert second["started_at"] == first["started_at"]
    assert second["completed_at"] is None


def test_fields_left_out_keep_their_stored_values() -> None:
    learning = Learning()
    learning.put_ok(
        {
            "time_spent_seconds": 100,
            "last_position_seconds": 50,
            "completion_percentage": 30.555,
            "notes": "chapter 2",
        }
    )
    body = learning.put_ok({"notes": "chapter 3"})
    assert body["status"] == "in_progress"
    assert body["time_spent_seconds"] == 100
    assert body["last_position_seconds"] == 50
    assert body["completion_percentage"] == "30.56"
    assert body["notes"] == "chapter 3"
    assert learning.put_ok({})["notes"] == "chapter 3"


def test_time_and_position_are_absolute_values_not_increments() -> None:
    learning = Learning()
    learning.put_ok({"time_spent_seconds": 100, "last_position_seconds": 80})
    body = learning.put_ok({"time_spent_seconds": 40, "last_position_seconds": 10})
    assert (body["time_spent_seconds"], body["last_position_seconds"]) == (40, 10)
    assert learning.stored().total_time_spent_seconds == 40


# --- the summary


def test_the_summary_counts_completed_lessons_and_sums_the_time() -> None:
    learning = Learning(lessons=3)
    learning.put_ok({"status": "completed", "time_spent_seconds": 100}, lesson=0)
    learning.put_ok({"time_spent_seconds": 25}, lesson=1)

    enrollment = json_of(get(learning.token, learning.enrollment.id))

    assert enrollment["completed_lessons_count"] == 1
    assert enrollment["total_lessons_count"] == 3
    assert enrollment["progress_percentage"] == "33.33"
    assert enrollment["total_time_spent_seconds"] == 125
    assert enrollment["last_accessed_at"] is not None
    assert enrollment["status"] == "active"
    learning.complete(1)
    assert json_of(get(learning.token, learning.enrollment.id))["progress_percentage"] == "66.67"


def test_percentages_round_half_up_to_two_places() -> None:
    learning = Learning(lessons=32)
    learning.complete(0)
    # 1 / 32 = 3.125 %
    assert learning.stored().progress_percentage == 3.13


def test_an_admin_writing_for_the_student_completes_the_course_for_the_student() -> None:
    learning = Learning(lessons=1)
    _, token = admin()
    response = complete(token, learning.enrollment.id, learning.lessons[0])
    assert response.status_code == 200
    stored = learning.stored()
    assert stored.status == "completed"
    [mail] = of_type("emails", "email.course_completed")
    assert mail["to"] == learning.student.email
