"""POST /enrollments/{id}/review and POST /enrollments/{id}/drop."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment
from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.functional.enrollments.calls import (
    admin,
    complete,
    drop,
    enroll,
    of_type,
    review,
    run_queue,
)
from tests.learning import lessons_of, load, make_course, make_enrollment

pytestmark = pytest.mark.usefixtures("database_url")


class Enrolled:
    """A student enrolled (over HTTP) in a published course of five lessons."""

    def __init__(self, course: Course | None = None, done: int = 1) -> None:
        self.instructor, self.instructor_token = make_user(role=Role.INSTRUCTOR)
        self.course = course or make_course(self.instructor, lessons=5)
        self.student, self.token = make_user()
        self.id = json_of(enroll(self.token, self.course.id))["id"]
        for lesson in lessons_of(self.course)[:done]:
            assert complete(self.token, self.id, lesson.id).status_code == 200

    def stored(self) -> Enrollment:
        enrollment: Enrollment = load(Enrollment, uuid.UUID(self.id))
        return enrollment


def _token_of(caller: str, enrolled: Enrolled) -> str:
    return {
        "owner": enrolled.token,
        "other student": make_user()[1],
        "course instructor": enrolled.instructor_token,
        "other instructor": make_user(role=Role.INSTRUCTOR)[1],
        "admin": admin()[1],
    }[caller]


CALLERS = [
    ("owner", 200),
    ("other student", 403),
    ("course instructor", 403),
    ("other instructor", 403),
    ("admin", 200),
]


# --- reviews


@pytest.mark.parametrize("caller, status", CALLERS)
def test_an_enrollment_is_reviewed_by_its_student_or_an_admin(caller: str, status: int) -> None:
    enrolled = Enrolled()

    response = review(_token_of(caller, enrolled), enrolled.id, 4, "  Clear and well paced.  ")

    assert response.status_code == status, response.get_body()
    if status == 403:
        assert json_of(response)["detail"] == "You can only review your own enrollments"
        assert enrolled.stored().rating is None
        return
    body = json_of(response)
    assert (body["rating"], body["review"]) == (4, "Clear and well paced.")
    assert enrolled.stored().reviewed_at is not None


def test_a_review_needs_20_percent_done() -> None:
    enrolled = Enrolled(done=0)
    response = review(enrolled.token, enrolled.id)
    assert response.status_code == 403
    assert json_of(response)["detail"] == "Complete at least 20% before reviewing"
    # One lesson of five is exactly 20 %.
    complete(enrolled.token, enrolled.id, lessons_of(enrolled.course)[0].id)
    assert review(enrolled.token, enrolled.id).status_code == 200


def test_a_dropped_enrollment_cannot_be_reviewed_409() -> None:
    enrolled = Enrolled()
    drop(enrolled.token, enrolled.id)
    response = review(enrolled.token, enrolled.id)
    assert response.status_code == 409
    detail = "This enrollment was dropped; enroll in the course again to continue"
    assert json_of(response)["detail"] == detail


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0, "review": "Long enough text"},
        {"rating": 6, "review": "Long enough text"},
        {"rating": 3, "review": "   short    "},
        {"rating": 3, "review": "x" * 2001},
        {"rating": 3},
    ],
)
def test_a_review_out_of_bounds_is_422(body: dict[str, Any]) -> None:
    enrolled = Enrolled()
    response = call_http(
        "enrollments_review",
        "POST",
        f"/api/v1/enrollments/{enrolled.id}/review",
        headers=bearer(enrolled.token),
        json_body=body,
        route_params={"enrollment_id": enrolled.id},
    )
    assert response.status_code == 422


def test_a_new_review_replaces_the_old_and_the_course_rating_follows_the_progress_queue() -> None:
    first = Enrolled()
    course = first.course
    second = Enrolled(course)
    dropped = Enrolled(course)
    review(first.token, first.id, 5)
    review(second.token, second.id, 2)
    review(second.token, second.id, 4, "Better on second reading")
    assert of_type("progress", "course.enrollments_changed")[-1] == {"course_id": str(course.id)}
    drop(dropped.token, dropped.id)

    run_queue("progress")

    stored: Course = load(Course, course.id)
    assert stored.total_reviews == 2
    assert stored.average_rating == 4.5
    assert stored.enrollment_count == 2
    assert stored.completed_count == 0


def test_the_average_rating_is_rounded_to_two_places() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1)
    for rating in (5, 4, 4):
        enrolled = Enrolled(course, done=1)
        review(enrolled.token, enrolled.id, rating)
    run_queue("progress")
    stored: Course = load(Course, course.id)
    assert (stored.total_reviews, stored.average_rating) == (3, 4.33)
    assert (stored.enrollment_count, stored.completed_count) == (3, 3)


# --- drops


@pytest.mark.parametrize("caller, status", CALLERS)
def test_an_enrollment_is_dropped_by_its_student_or_an_admin(caller: str, status: int) -> None:
    enrolled = Enrolled()

    response = drop(_token_of(caller, enrolled), enrolled.id)

    assert response.status_code == status, response.get_body()
    stored = enrolled.stored()
    if status == 403:
        assert json_of(response)["detail"] == "You can only drop your own enrollments"
        assert stored.status == "active"
        return
    body = json_of(response)
    assert body["status"] == "dropped"
    assert body["dropped_at"] is not None
    assert (stored.status, stored.completed_lessons_count) == ("dropped", 1)
    assert len(of_type("progress", "course.enrollments_changed")) == 2


def test_dropping_twice_changes_nothing_the_second_time() -> None:
    enrolled = Enrolled()
    first = json_of(drop(enrolled.token, enrolled.id))
    again = drop(enrolled.token, enrolled.id)
    assert again.status_code == 200
    assert json_of(again) == first
    assert len(of_type("progress", "course.enrollments_changed")) == 2


def test_a_completed_enrollment_cannot_be_dropped_409() -> None:
    enrolled = Enrolled(done=5)
    response = drop(enrolled.token, enrolled.id)
    assert response.status_code == 409
    assert json_of(response)["detail"] == "A completed enrollment cannot be dropped"
    assert enrolled.stored().status == "completed"


def test_dropping_an_unknown_enrollment_is_404() -> None:
    response = drop(make_user()[1], uuid.uuid4())
    assert response.status_code == 404


def test_a_dropped_enrollment_leaves_the_course_count_after_the_progress_queue() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=2)
    stays, leaves = Enrolled(course), Enrolled(course)
    make_enrollment(make_user()[0], course, status="expired")
    run_queue("progress")
    assert load(Course, course.id).enrollment_count == 2
    drop(leaves.token, leaves.id)
    run_queue("progress")
    assert load(Course, course.id).enrollment_count == 1
    assert stays.stored().status == "active"
