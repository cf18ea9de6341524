"""SQL statements per analytics request: the same for 1 course (or enrollment) as for 50.

Every request first costs two statements (the rate-limit counter, the actor); the counts
below include them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from shared.domain.courses import Course
from shared.domain.users import Role, User
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.analytics.calls import (
    course_analytics,
    instructor_overview,
    my_dashboard,
    my_progress,
    system_overview,
)
from tests.functional.analytics.rows import (
    add_attempt,
    add_enrollment,
    add_progress,
    add_quiz,
    rows,
)
from tests.learning import lessons_of, make_course
from tests.statements import authenticated, counted_statements

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]

MORE = 49  # 1, then 50


def _statements(call: Callable[[], func.HttpResponse]) -> int:
    with counted_statements() as statements:
        response = call()
    assert response.status_code == 200, response.get_body()
    return len(statements)


def _learn_in_new_courses(student: User, count: int) -> None:
    """`count` courses, each with the student enrolled, a lesson completed a minute ago and
    a graded quiz attempt."""
    recently = datetime.now(UTC) - timedelta(minutes=1)
    instructor = make_user(role=Role.INSTRUCTOR)[0]
    courses = [make_course(instructor, lessons=1) for _ in range(count)]
    lessons = [lessons_of(course)[0] for course in courses]
    with rows() as session:
        for course, lesson in zip(courses, lessons, strict=True):
            enrollment = add_enrollment(
                session, student, course, progress=100, lessons_done=1, seconds=60, rating=5
            )
            add_progress(session, enrollment, lesson, seconds=60, completed_at=recently)
            quiz = add_quiz(session, lesson)
            add_attempt(
                session, enrollment, quiz, score=8, percentage=80, is_passed=True,
                submitted_at=recently,
            )  # fmt: skip


def _students_in(course: Course, count: int) -> None:
    students = [make_user()[0] for _ in range(count)]
    with rows() as session:
        for student in students:
            add_enrollment(session, student, course, progress=50, seconds=600, rating=4)


def test_my_progress_costs_three_statements_however_many_enrollments() -> None:
    student, token = make_user()
    _learn_in_new_courses(student, 1)
    # Rate limit, actor, one statement for the enrollment and attempt aggregates.
    assert _statements(lambda: my_progress(token)) == authenticated(3)

    _learn_in_new_courses(student, MORE)

    assert _statements(lambda: my_progress(token)) == authenticated(3)
    assert json_of(my_progress(token))["quizzes_taken"] == 50


def test_my_dashboard_costs_seven_statements_however_many_enrollments() -> None:
    student, token = make_user()
    _learn_in_new_courses(student, 1)
    # Rate limit, actor, the summary, the enrollment rows, the daily activity, the
    # assignments due and the assignments graded.
    assert _statements(lambda: my_dashboard(token)) == authenticated(7)

    _learn_in_new_courses(student, MORE)

    assert _statements(lambda: my_dashboard(token)) == authenticated(7)
    body = json_of(my_dashboard(token))
    assert len(body["courses"]) == 50
    assert sum(day["lessons_completed"] for day in body["recent_activity"]) == 50


def test_a_courses_figures_cost_four_statements_however_many_enrollments() -> None:
    instructor, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(instructor, lessons=1)
    _students_in(course, 1)
    # Rate limit, actor, the course, one aggregate over its enrollments.
    assert _statements(lambda: course_analytics(token, course.id)) == authenticated(4)

    _students_in(course, MORE)

    assert _statements(lambda: course_analytics(token, course.id)) == authenticated(4)
    assert json_of(course_analytics(token, course.id))["total_enrollments"] == 50


def test_an_instructors_overview_costs_three_statements_however_many_courses() -> None:
    instructor, token = make_user(role=Role.INSTRUCTOR)
    _students_in(make_course(instructor), 1)
    # Rate limit, actor, one statement for the course, enrollment and user aggregates.
    assert _statements(lambda: instructor_overview(token, instructor.id)) == authenticated(3)

    for _ in range(MORE):
        _students_in(make_course(instructor), 1)

    assert _statements(lambda: instructor_overview(token, instructor.id)) == authenticated(3)
    assert json_of(instructor_overview(token, instructor.id))["total_students"] == 50


def test_the_system_overview_costs_three_statements_however_many_courses() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    instructor = make_user(role=Role.INSTRUCTOR)[0]
    _students_in(make_course(instructor), 1)
    # Rate limit, actor, one statement for the user, course and enrollment aggregates.
    assert _statements(lambda: system_overview(token)) == authenticated(3)

    for _ in range(MORE):
        _students_in(make_course(instructor), 1)

    assert _statements(lambda: system_overview(token)) == authenticated(3)
    assert json_of(system_overview(token))["total_courses"] == 50
