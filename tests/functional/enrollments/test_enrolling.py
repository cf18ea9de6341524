"""POST /api/v1/enrollments, GET /enrollments/my-courses and GET /enrollments/{id}."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.enrollments import Enrollment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import functions_by_name, json_of
from tests.functional.enrollments.calls import (
    admin,
    complete,
    drop,
    enroll,
    get,
    my_courses,
    of_type,
    types_on,
)
from tests.learning import committed_before_insert, lessons_of, make_course, make_enrollment

pytestmark = pytest.mark.usefixtures("database_url")

ENROLLMENT_FIELDS = {
    "id",
    "student_id",
    "course_id",
    "enrolled_at",
    "started_at",
    "completed_at",
    "dropped_at",
    "status",
    "progress_percentage",
    "completed_lessons_count",
    "total_lessons_count",
    "total_time_spent_seconds",
    "last_accessed_at",
    "certificate_issued_at",
    "rating",
    "review",
}


def test_a_student_enrolls_in_a_published_course_with_201_and_three_messages() -> None:
    instructor, _ = make_user(role=Role.INSTRUCTOR)
    course = make_course(instructor, lessons=4, title="Functions 101")
    student, token = make_user(full_name="Ada Lovelace")

    response = enroll(token, course.id)

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert set(body) == ENROLLMENT_FIELDS
    assert body["status"] == "active"
    assert body["student_id"] == str(student.id)
    assert body["started_at"] == body["enrolled_at"]
    assert body["total_lessons_count"] == 4
    assert body["progress_percentage"] == "0.00"
    assert body["completed_at"] is body["dropped_at"] is None
    [created] = of_type("webhooks", "enrollment.created")
    assert created == {
        "enrollment_id": body["id"],
        "student_id": str(student.id),
        "course_id": str(course.id),
        "status": "active",
        "enrolled_at": datetime.fromisoformat(body["enrolled_at"]).isoformat(),
    }
    assert of_type("emails", "email.enrollment_confirmation") == [
        {
            "to": student.email,
            "full_name": "Ada Lovelace",
            "course_id": str(course.id),
            "course_title": "Functions 101",
        }
    ]
    assert of_type("progress", "course.enrollments_changed") == [{"course_id": str(course.id)}]


def test_enrolling_again_answers_200_with_the_same_enrollment_and_no_new_message() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1)
    _, token = make_user()
    first = json_of(enroll(token, course.id))

    again = enroll(token, course.id)

    assert again.status_code == 200, again.get_body()
    assert json_of(again) == first
    assert types_on("webhooks") == ["enrollment.created"]
    assert types_on("emails") == ["email.enrollment_confirmation"]
    assert types_on("progress") == ["course.enrollments_changed"]


def test_an_admin_may_enroll() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0])
    assert enroll(admin()[1], course.id).status_code == 201


def test_an_instructor_may_not_enroll_403() -> None:
    instructor, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(make_user(role=Role.INSTRUCTOR)[0])
    for course_id in (course.id, make_course(instructor).id):
        response = enroll(token, course_id)
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Only students can enroll"
    assert types_on("webhooks") == []


def test_a_draft_course_cannot_be_enrolled_in_403() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], published=False)
    for token in (make_user()[1], admin()[1]):
        response = enroll(token, course.id)
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Cannot enroll in unpublished course"


def test_an_unknown_course_is_404_and_a_body_without_course_id_422() -> None:
    _, token = make_user()
    response = enroll(token, uuid.uuid4())
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"
    assert enroll(token, "not-a-uuid").status_code == 422


def test_enrolling_after_a_drop_reactivates_the_enrollment_with_its_progress() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=3)
    _, token = make_user()
    enrollment = json_of(enroll(token, course.id))
    complete(token, enrollment["id"], lessons_of(course)[0].id)
    assert drop(token, enrollment["id"]).status_code == 200

    response = enroll(token, course.id)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["id"] == enrollment["id"]
    assert body["status"] == "active"
    assert body["dropped_at"] is None
    assert body["completed_lessons_count"] == 1
    assert body["progress_percentage"] == "33.33"
    assert types_on("webhooks") == ["enrollment.created", "enrollment.dropped"]
    # Enrolled, dropped, enrolled again: the course's figures change each time.
    assert types_on("progress") == ["course.enrollments_changed"] * 3


@pytest.mark.postgres
def test_two_enrollments_racing_for_one_course_make_one_row_and_no_error() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0])
    _, token = make_user()
    functions_by_name()  # the app is built once, before the threads
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run() -> None:
        barrier.wait()
        statuses.append(enroll(token, course.id).status_code)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 201]
    assert len(of_type("webhooks", "enrollment.created")) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_lost_race_on_the_unique_key_answers_with_the_winners_enrollment() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0])
    student, token = make_user()
    # The winner commits after this request looked for an enrollment and before it inserts
    # its own (only PostgreSQL lets it: on SQLite the look already holds the write lock).
    winner = committed_before_insert(Enrollment, lambda: make_enrollment(student, course))

    with winner as committed:
        response = enroll(token, course.id)

    assert response.status_code == 200, response.get_body()
    [won] = committed
    assert isinstance(won, Enrollment)
    assert json_of(response)["id"] == str(won.id)
    assert types_on("webhooks") == []


def test_my_courses_pages_the_callers_enrollments_newest_first() -> None:
    instructor, _ = make_user(role=Role.INSTRUCTOR)
    student, token = make_user()
    start = datetime.now(UTC) - timedelta(days=1)
    made = [
        make_enrollment(student, make_course(instructor), enrolled_at=start + timedelta(hours=n))
        for n in range(3)
    ]
    make_enrollment(make_user()[0], make_course(instructor))  # someone else's

    first = json_of(my_courses(token, "?page=1&page_size=2"))
    second = json_of(my_courses(token, "?page=2&page_size=2"))

    assert {k: first[k] for k in ("total", "page", "page_size", "total_pages")} == {
        "total": 3,
        "page": 1,
        "page_size": 2,
        "total_pages": 2,
    }
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [str(e.id) for e in reversed(made)]
    assert my_courses(token, "?page_size=101").status_code == 422


def test_my_courses_is_empty_for_someone_never_enrolled() -> None:
    body = json_of(my_courses(make_user()[1]))
    assert body == {"items": [], "total": 0, "page": 1, "page_size": 20, "total_pages": 0}


@pytest.mark.parametrize(
    "caller, status",
    [
        ("owner", 200),
        ("other student", 403),
        ("course instructor", 200),
        ("other instructor", 403),
        ("admin", 200),
    ],
)
def test_an_enrollment_is_visible_to_its_student_its_instructor_and_admins(
    caller: str, status: int
) -> None:
    instructor, instructor_token = make_user(role=Role.INSTRUCTOR)
    student, student_token = make_user()
    enrollment = make_enrollment(student, make_course(instructor))
    token = {
        "owner": student_token,
        "other student": make_user()[1],
        "course instructor": instructor_token,
        "other instructor": make_user(role=Role.INSTRUCTOR)[1],
        "admin": admin()[1],
    }[caller]

    response = get(token, enrollment.id)

    assert response.status_code == status, response.get_body()
    if status == 403:
        assert json_of(response)["detail"] == "Not authorized to access this enrollment"
    else:
        assert json_of(response)["id"] == str(enrollment.id)


def test_an_unknown_enrollment_is_404() -> None:
    response = get(make_user()[1], uuid.uuid4())
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Enrollment not found"
