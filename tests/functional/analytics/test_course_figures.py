"""GET /analytics/courses/{id}, /analytics/instructors/{id}/overview and
/analytics/system/overview: every figure of the known world (known_world.py)."""

from __future__ import annotations

import pytest

from tests.functional.analytics.calls import (
    course_analytics,
    instructor_overview,
    ok,
    system_overview,
)
from tests.functional.analytics.known_world import KnownWorld
from tests.learning import make_course

pytestmark = pytest.mark.usefixtures("database_url")


def test_a_courses_figures_cover_every_enrollment_whatever_its_status() -> None:
    world = KnownWorld()

    body = ok(course_analytics(world.instructor_token, world.c1.id))

    # S active 25.5 % 1800 s; O1 completed 100 % 7200 s ★5; O2 dropped 10 % ★4; O3 active 0 %;
    # O4 completed 100 % 3601 s ★4; O5 expired 50 %.
    assert body == {
        "course_id": str(world.c1.id),
        "course_title": "Course 1",
        "total_enrollments": 6,
        "active_students": 2,
        "completed_students": 2,
        "completion_rate": 33.33,  # 2 / 6
        "average_progress": 47.58,  # 285.5 / 6 = 47.5833
        "average_time_hours": 0.58,  # 12601 s / 6 = 0.5834 h
        "average_rating": 4.33,  # (5 + 4 + 4) / 3, the dropped student's rating included
        "total_reviews": 3,
    }


def test_a_course_with_one_rating_and_two_enrollments() -> None:
    world = KnownWorld()

    body = ok(course_analytics(world.admin_token, world.c2.id))

    assert body == {
        "course_id": str(world.c2.id),
        "course_title": "Course 2",
        "total_enrollments": 2,
        "active_students": 1,
        "completed_students": 1,
        "completion_rate": 50,
        "average_progress": 70,  # (100 + 40) / 2
        "average_time_hours": 0.92,  # (5401 + 1200) s / 2 = 0.9168 h
        "average_rating": 2,
        "total_reviews": 1,
    }


def test_a_course_without_enrollments_has_zeros_not_nulls() -> None:
    world = KnownWorld()

    body = ok(course_analytics(world.instructor_token, world.c5.id))

    assert body == {
        "course_id": str(world.c5.id),
        "course_title": "Course 5",
        "total_enrollments": 0,
        "active_students": 0,
        "completed_students": 0,
        "completion_rate": 0,
        "average_progress": 0,
        "average_time_hours": 0,
        "average_rating": 0,
        "total_reviews": 0,
    }


def test_an_instructors_rating_weighs_every_rating_the_same() -> None:
    world = KnownWorld()

    body = ok(instructor_overview(world.instructor_token, world.instructor.id))

    assert body == {
        "instructor_id": str(world.instructor.id),
        "total_courses": 3,  # C1, C2 and the draft C5
        "published_courses": 2,
        "total_students": 6,  # S and O1..O5; O1 is in two of the courses
        "total_enrollments": 8,  # C1's 6 and C2's 2, whatever their status
        # (5 + 4 + 4 + 2) / 4 ratings; the mean of the courses' means would be 3.17.
        "average_course_rating": 3.75,
        "submissions_awaiting_grading": 0,
    }


def test_an_instructor_without_ratings_has_a_zero_rating() -> None:
    world = KnownWorld()

    body = ok(instructor_overview(world.admin_token, world.other_instructor.id))

    assert body == {
        "instructor_id": str(world.other_instructor.id),
        "total_courses": 2,
        "published_courses": 2,
        "total_students": 1,
        "total_enrollments": 2,  # S dropped C3 and expired in C4: still enrollments
        "average_course_rating": 0,
        "submissions_awaiting_grading": 0,
    }


def test_a_user_without_courses_has_an_overview_of_zeros() -> None:
    world = KnownWorld()

    body = ok(instructor_overview(world.admin_token, world.admin.id))

    assert body == {
        "instructor_id": str(world.admin.id),
        "total_courses": 0,
        "published_courses": 0,
        "total_students": 0,
        "total_enrollments": 0,
        "average_course_rating": 0,
        "submissions_awaiting_grading": 0,
    }


def test_the_system_overview_counts_users_by_role_courses_and_enrollments() -> None:
    world = KnownWorld()
    make_course(world.admin, published=False)  # admins may own courses too

    body = ok(system_overview(world.admin_token))

    assert body == {
        "total_users": 9,
        "total_students": 6,  # S and O1..O5
        "total_instructors": 2,
        "total_admins": 1,
        "total_courses": 6,
        "published_courses": 4,
        "total_enrollments": 10,  # S's 4, C1's 5 others, O1's in C2
        "active_enrollments": 3,  # S in C1, O3 in C1, O1 in C2
    }
