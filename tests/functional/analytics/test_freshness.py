"""Figures are computed when asked: a progress write, a review or a drop shows on the next
call (the reference cached a course's figures for five minutes and never invalidated them),
without waiting for the progress queue."""

from __future__ import annotations

import pytest

from shared.domain.courses import Course
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.analytics.calls import course_analytics, instructor_overview, my_progress, ok
from tests.functional.enrollments.calls import complete, drop, enroll, put_progress, review
from tests.learning import lessons_of, load, make_course

pytestmark = pytest.mark.usefixtures("database_url")


def _figures(token: str, course: Course, *names: str) -> tuple[object, ...]:
    body = ok(course_analytics(token, course.id))
    return tuple(body[name] for name in names)


def test_a_courses_figures_follow_every_write_at_once() -> None:
    instructor, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(instructor, lessons=2)
    first, second = lessons_of(course)
    _, ann = make_user()
    _, bob = make_user()
    ann_enrollment = json_of(enroll(ann, course.id))["id"]
    bob_enrollment = json_of(enroll(bob, course.id))["id"]
    progress = ("average_progress", "average_time_hours", "completed_students", "completion_rate")
    assert _figures(token, course, "total_enrollments", "active_students") == (2, 2)
    assert _figures(token, course, *progress) == (0, 0, 0, 0)

    put_progress(ann, ann_enrollment, first.id, {"time_spent_seconds": 900})
    # 900 s over 2 enrollments = 0.125 h, half-up.
    assert _figures(token, course, *progress) == (0, 0.13, 0, 0)

    complete(ann, ann_enrollment, first.id)
    assert _figures(token, course, *progress) == (25, 0.13, 0, 0)

    complete(ann, ann_enrollment, second.id)
    assert _figures(token, course, *progress) == (50, 0.13, 1, 50)

    review(ann, ann_enrollment, rating=4)
    assert _figures(token, course, "average_rating", "total_reviews") == (4, 1)

    drop(bob, bob_enrollment)
    assert _figures(token, course, "total_enrollments", "active_students") == (2, 0)

    # Not one of these waited for the progress queue, which has not run.
    assert load(Course, course.id).enrollment_count == 0


def test_a_students_and_an_instructors_figures_follow_at_once_too() -> None:
    instructor, instructor_token = make_user(role=Role.INSTRUCTOR)
    course = make_course(instructor, lessons=1)
    _, token = make_user()
    enrollment = json_of(enroll(token, course.id))["id"]
    assert ok(my_progress(token))["completed_enrollments"] == 0

    complete(token, enrollment, lessons_of(course)[0].id)
    review(token, enrollment, rating=5)

    figures = ok(my_progress(token))
    assert (figures["completed_enrollments"], figures["average_progress"]) == (1, 100)
    overview = ok(instructor_overview(instructor_token, instructor.id))
    assert (overview["total_enrollments"], overview["average_course_rating"]) == (1, 5)
