"""GET /enrollments/courses/{course_id} and /enrollments/courses/{course_id}/stats: a
course's enrollments for its instructor and admins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from shared.domain.enrollments import Enrollment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.enrollments.calls import admin, course_list, course_stats
from tests.learning import make_course, make_enrollment
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

# (status, progress percentage) of the course's enrollments, oldest first.
ENROLLMENTS = [
    ("active", 25),
    ("active", 50.5),
    ("completed", 100),
    ("dropped", 75),
    ("expired", 0),
]


class CourseWithEnrollments:
    """A course with an enrollment of every status, and another course with one of its own."""

    def __init__(self) -> None:
        self.instructor, self.token = make_user(role=Role.INSTRUCTOR)
        self.course = make_course(self.instructor, lessons=4)
        start = datetime.now(UTC) - timedelta(days=1)
        self.enrollments = [
            make_enrollment(
                make_user()[0], self.course, status=status, enrolled_at=start + timedelta(hours=n)
            )
            for n, (status, _) in enumerate(ENROLLMENTS)
        ]
        with unit_of_work() as uow:
            for enrollment, (_, percent) in zip(self.enrollments, ENROLLMENTS, strict=True):
                uow.session.execute(
                    update(Enrollment)
                    .where(Enrollment.id == enrollment.id)
                    .values(progress_percentage=percent)
                )
            uow.commit()
        make_enrollment(make_user()[0], make_course(self.instructor))


def _outsider(caller: str) -> str:
    return {
        "student": make_user()[1],
        "other instructor": make_user(role=Role.INSTRUCTOR)[1],
    }[caller]


@pytest.mark.parametrize("manager", ["instructor", "admin"])
def test_managers_page_a_courses_enrollments_newest_first(manager: str) -> None:
    setup = CourseWithEnrollments()
    token = setup.token if manager == "instructor" else admin()[1]

    first = course_list(token, setup.course.id, "?page=1&page_size=3")
    second = course_list(token, setup.course.id, "?page=2&page_size=3")

    assert first.status_code == 200, first.get_body()
    body: dict[str, Any] = json_of(first)
    assert (body["total"], body["total_pages"], body["page_size"]) == (5, 2, 3)
    ids = [item["id"] for item in body["items"] + json_of(second)["items"]]
    assert ids == [str(e.id) for e in reversed(setup.enrollments)]
    assert [item["progress_percentage"] for item in body["items"]] == ["0.00", "75.00", "100.00"]


@pytest.mark.parametrize("manager", ["instructor", "admin"])
def test_managers_see_a_courses_figures_from_one_aggregate(manager: str) -> None:
    setup = CourseWithEnrollments()
    token = setup.token if manager == "instructor" else admin()[1]

    response = course_stats(token, setup.course.id)

    assert response.status_code == 200, response.get_body()
    assert json_of(response) == {
        "course_id": str(setup.course.id),
        "total_enrollments": 5,
        "active_enrollments": 2,
        "completed_enrollments": 1,
        "dropped_enrollments": 1,
        # Active and completed only: (25 + 50.5 + 100) / 3 = 58.5
        "average_progress": 58.5,
    }


def test_the_average_progress_rounds_to_two_places_and_is_0_without_learners() -> None:
    instructor, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(instructor, lessons=3)
    assert json_of(course_stats(token, course.id))["average_progress"] == 0
    made = [make_enrollment(make_user()[0], course) for _ in range(3)]
    with unit_of_work() as uow:
        uow.session.execute(
            update(Enrollment).where(Enrollment.id == made[0].id).values(progress_percentage=33.33)
        )
        uow.commit()
    # 33.33 / 3 = 11.11
    body = json_of(course_stats(token, course.id))
    assert (body["total_enrollments"], body["average_progress"]) == (3, 11.11)


@pytest.mark.parametrize("caller", ["student", "other instructor"])
def test_others_may_not_see_a_courses_enrollments_403(caller: str) -> None:
    setup = CourseWithEnrollments()
    token = _outsider(caller)
    for response in (course_list(token, setup.course.id), course_stats(token, setup.course.id)):
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Not authorized to view course enrollments"


def test_an_enrolled_student_may_not_see_the_courses_enrollments_either() -> None:
    setup = CourseWithEnrollments()
    student, token = make_user()
    make_enrollment(student, setup.course)
    assert course_list(token, setup.course.id).status_code == 403


def test_an_unknown_course_is_404() -> None:
    _, token = admin()
    for response in (course_list(token, uuid.uuid4()), course_stats(token, uuid.uuid4())):
        assert response.status_code == 404
        assert json_of(response)["detail"] == "Course not found"
