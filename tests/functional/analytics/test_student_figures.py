"""GET /analytics/my-progress and /analytics/my-dashboard: every figure of the known world
(known_world.py works them out), rounding included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from shared import bootstrap
from shared.schemas.analytics import StudentDashboardOut
from shared.services.analytics import students as analytics_students
from shared.services.analytics.formulas import mean, per_hour, percent, two_places
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.functional.analytics.calls import actor_of, my_dashboard, my_progress, ok
from tests.functional.analytics.known_world import NOW, KnownWorld
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

STUDENT_PROGRESS = {
    "total_enrollments": 4,  # every status
    "active_enrollments": 1,
    "completed_enrollments": 1,
    "average_progress": 39.71,  # (25.5 + 100 + 33.32 + 0) / 4 = 39.705, half-up
    "total_time_hours": 2.17,  # (1800 + 5401 + 600 + 0) s = 2.1669 h
    "total_lessons_completed": 5,  # 1 + 3 + 1 + 0
    "quizzes_taken": 4,  # graded attempts only: 60, 90, 80, 65 %
    "quizzes_passed": 3,
    "average_quiz_score": 73.75,  # (60 + 90 + 80 + 65) / 4 %; raw scores would give 21.88
}


def _dashboard(world: KnownWorld) -> StudentDashboardOut:
    """The student's dashboard from the service, on the test's clock."""
    with unit_of_work() as uow:
        return analytics_students.my_dashboard(uow, actor_of(world.student))


def test_my_progress_counts_the_callers_enrollments_and_graded_attempts() -> None:
    world = KnownWorld()

    body = ok(my_progress(world.student_token))

    assert body == {"student_id": str(world.student.id), **STUDENT_PROGRESS}


def test_a_caller_without_enrollments_or_attempts_has_zeros() -> None:
    student, token = make_user()

    body = ok(my_progress(token))

    assert body == {
        "student_id": str(student.id),
        "total_enrollments": 0,
        "active_enrollments": 0,
        "completed_enrollments": 0,
        "average_progress": 0,
        "total_time_hours": 0,
        "total_lessons_completed": 0,
        "quizzes_taken": 0,
        "quizzes_passed": 0,
        "average_quiz_score": 0,
    }


def test_the_dashboard_has_one_row_per_enrollment_newest_first() -> None:
    world = KnownWorld()

    body = ok(my_dashboard(world.student_token))

    assert body["student_id"] == str(world.student.id)
    assert body["summary"] == {"student_id": str(world.student.id), **STUDENT_PROGRESS}
    assert body["courses"] == [
        {
            "course_id": str(world.c4.id),
            "course_title": "Course 4",
            "progress_percentage": 0,
            "completed_lessons": 0,
            "total_lessons": 2,
            "time_spent_hours": 0,
            "quizzes_completed": 0,
            "average_quiz_score": 0,
        },
        {
            "course_id": str(world.c3.id),
            "course_title": "Course 3",
            "progress_percentage": 33.32,
            "completed_lessons": 1,
            "total_lessons": 3,
            "time_spent_hours": 0.17,  # 600 s
            "quizzes_completed": 0,
            "average_quiz_score": 0,
        },
        {
            "course_id": str(world.c2.id),
            "course_title": "Course 2",
            "progress_percentage": 100,
            "completed_lessons": 3,
            "total_lessons": 3,
            "time_spent_hours": 1.5,  # 5401 s
            "quizzes_completed": 2,  # 80 and 65 %; waiting and expired attempts left out
            "average_quiz_score": 72.5,
        },
        {
            "course_id": str(world.c1.id),
            "course_title": "Course 1",
            "progress_percentage": 25.5,
            "completed_lessons": 1,
            "total_lessons": 4,
            "time_spent_hours": 0.5,
            "quizzes_completed": 2,  # 60 and 90 %; the attempt in progress left out
            "average_quiz_score": 75,
        },
    ]
    assert body["recent_activity"] == []  # on the real clock the known world is long past


def test_recent_activity_groups_the_last_30_utc_dates_latest_first(clock: ManualClock) -> None:
    world = KnownWorld()
    clock.set(NOW)

    dashboard = _dashboard(world)

    activity = [day.model_dump(mode="json") for day in dashboard.recent_activity]
    assert [tuple(day.values()) for day in activity] == [
        # L1 of C1 at 09:00 (1500 s); the 08:00 attempt. The attempt waiting for grading
        # and the expired one do not count, nor O1's lesson and attempt of the same day.
        ("2025-03-15", 1, 25, 1),
        # Two lessons at 00:00 and 23:59:59: (2000 + 1001) s = 50.0166 min; the 23:30 attempt.
        ("2025-03-14", 2, 50.02, 1),
        ("2025-03-13", 0, 0, 1),
        # The first date of the window, from its first second; the day before is left out.
        ("2025-02-14", 1, 40, 0),
    ]
    assert list(activity[0]) == ["date", "lessons_completed", "time_spent_minutes", "quizzes_taken"]


def test_recent_activity_ends_with_the_clocks_utc_date(clock: ManualClock) -> None:
    world = KnownWorld()
    a_day_earlier = NOW - timedelta(days=1)
    clock.set(a_day_earlier)

    dashboard = _dashboard(world)

    # 2025-03-15 is after the clock's date; the window now starts on 2025-02-13.
    dates = [str(day.date) for day in dashboard.recent_activity]
    assert dates == ["2025-03-14", "2025-03-13", "2025-02-14", "2025-02-13"]
    first = dashboard.recent_activity[-1]
    assert (first.lessons_completed, first.time_spent_minutes, first.quizzes_taken) == (1, 10, 1)


def test_activity_dates_are_utc_dates_whatever_the_database_sessions_time_zone(
    clock: ManualClock,
) -> None:
    world = KnownWorld()
    clock.set(NOW)
    engine = bootstrap.current().engine

    def far_east(dbapi_connection: Any, _record: Any) -> None:
        if engine.dialect.name == "postgresql":  # SQLite has no session time zone
            cursor = dbapi_connection.cursor()
            cursor.execute("SET TIME ZONE 'Pacific/Kiritimati'")  # UTC+14
            cursor.close()

    engine.dispose()
    event.listen(engine, "connect", far_east)
    try:
        dashboard = _dashboard(world)
    finally:
        event.remove(engine, "connect", far_east)
        engine.dispose()

    dates = [str(day.date) for day in dashboard.recent_activity]
    assert dates == ["2025-03-15", "2025-03-14", "2025-03-13", "2025-02-14"]


def test_another_students_figures_are_not_the_callers() -> None:
    world = KnownWorld()
    other_token = make_user()[1]

    body = ok(my_dashboard(other_token))

    assert body["summary"]["total_enrollments"] == 0
    assert body["courses"] == []
    assert body["recent_activity"] == []
    assert ok(my_progress(world.student_token))["quizzes_taken"] == 4


@pytest.mark.parametrize(
    "figure, expected",
    [
        (mean(158.82, 4), 39.71),  # 39.705: half-up, where round() gives 39.7
        (mean(1, 3), 0.33),
        (mean(2, 3), 0.67),
        (mean(5, 0), 0),
        (per_hour(7801), 2.17),
        (per_hour(12601, 6), 0.58),
        (percent(2, 6), 33.33),
        (percent(1, 0), 0),
        (two_places(None), 0),
    ],
)
def test_figures_are_rounded_half_up_to_two_places(figure: float, expected: float) -> None:
    assert figure == expected
