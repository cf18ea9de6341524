"""DELETE /api/v1/courses/{id}: a course nobody is enrolled in goes, with its lessons."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment
from shared.domain.users import Role
from shared.services import courses
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.courses.course_calls import admin, delete, instructor
from tests.learning import lessons_of, load, make_course, make_enrollment

pytestmark = pytest.mark.usefixtures("database_url")


def test_the_instructor_deletes_a_course_and_its_lessons_go_with_it() -> None:
    owner, token = instructor()
    course = make_course(owner, lessons=3)
    kept = make_course(owner, lessons=1)
    lesson_ids = [lesson.id for lesson in lessons_of(course)]

    response = delete(course.id, token)

    assert response.status_code == 204
    assert response.get_body() == b""
    assert load(Course, course.id) is None
    assert all(load(Lesson, lesson_id) is None for lesson_id in lesson_ids)
    assert len(lessons_of(kept)) == 1


def test_a_course_with_an_enrollment_is_409_and_nothing_is_deleted() -> None:
    owner, token = instructor()
    course = make_course(owner, lessons=2)
    student, _ = make_user(role=Role.STUDENT)
    enrollment = make_enrollment(student, course, status="dropped")

    response = delete(course.id, token)

    assert response.status_code == 409
    assert (
        json_of(response)["detail"]
        == "This course has enrollments; unpublish it instead of deleting it"
    )
    assert load(Course, course.id) is not None
    assert len(lessons_of(course)) == 2
    assert load(Enrollment, enrollment.id) is not None


def test_another_instructor_may_not_delete_the_course() -> None:
    owner, _ = instructor()
    course = make_course(owner, lessons=1)
    _, other = instructor()

    response = delete(course.id, other)

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert load(Course, course.id) is not None


def test_a_student_may_not_delete_a_course() -> None:
    owner, _ = instructor()
    course = make_course(owner)
    _, token = make_user(role=Role.STUDENT)
    assert delete(course.id, token).status_code == 403
    assert load(Course, course.id) is not None


def test_an_admin_deletes_a_draft_of_any_instructor() -> None:
    owner, _ = instructor()
    course = make_course(owner, published=False, lessons=1)
    _, token = admin()
    assert delete(course.id, token).status_code == 204
    assert load(Course, course.id) is None


def test_deleting_an_unknown_course_is_404() -> None:
    _, token = admin()
    response = delete(uuid.uuid4(), token)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


def test_an_anonymous_caller_must_sign_in_to_delete() -> None:
    owner, _ = instructor()
    course = make_course(owner)
    assert delete(course.id, None).status_code == 401


def test_an_enrollment_arriving_after_the_check_still_stops_the_delete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner, token = instructor()
    course = make_course(owner, lessons=1)
    student, _ = make_user(role=Role.STUDENT)
    make_enrollment(student, course)
    # As if the enrollment committed between the service's check and its DELETE. No request
    # can (enrolling waits for the course row the delete locks), so no real race shows the
    # foreign key's backstop: the check is patched.
    monkeypatch.setattr(courses, "_has_enrollments", lambda session, course_id: False)

    response = delete(course.id, token)

    assert response.status_code == 409
    assert json_of(response)["detail"] == courses.HAS_ENROLLMENTS
    assert load(Course, course.id) is not None
    assert len(lessons_of(course)) == 1
