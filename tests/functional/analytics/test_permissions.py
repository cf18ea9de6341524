"""Who may read which figures: the students their own, a course's instructor and admins the
course's, an instructor and admins the instructor's, admins whose setup is complete the
system's."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.users import Role
from tests.accounts import make_user
from tests.functional.analytics.calls import (
    course_analytics,
    instructor_overview,
    my_dashboard,
    my_progress,
    ok,
    refused,
    system_overview,
)
from tests.learning import make_course

pytestmark = pytest.mark.usefixtures("database_url")

NOT_AUTHENTICATED = (401, "Not authenticated")
INSUFFICIENT = (403, "Insufficient permissions")


NOT_ADMIN = (403, "Not authorized to perform this action")
SETUP_FIRST = (403, "Admin setup must be completed before performing this action")


def _token(caller: str, own_token: str = "") -> str:
    """A token of a new user of that kind; `own_token` for the owner of what is read."""
    if caller == "owner":
        return own_token
    role, setup = {
        "student": (Role.STUDENT, None),
        "instructor": (Role.INSTRUCTOR, None),
        "other instructor": (Role.INSTRUCTOR, None),
        "admin without setup": (Role.ADMIN, False),
        "admin": (Role.ADMIN, True),
    }[caller]
    return make_user(role=role, admin_setup_complete=setup)[1]


@pytest.mark.parametrize("caller", ["student", "instructor", "admin without setup", "admin"])
def test_every_signed_in_caller_reads_their_own_progress_and_dashboard(caller: str) -> None:
    token = _token(caller)

    assert ok(my_progress(token))["total_enrollments"] == 0
    assert ok(my_dashboard(token))["courses"] == []


def test_anonymous_callers_read_no_figures() -> None:
    some_id = uuid.uuid4()

    for response in (
        my_progress(None),
        my_dashboard(None),
        course_analytics(None, some_id),
        instructor_overview(None, some_id),
        system_overview(None),
    ):
        assert refused(response) == NOT_AUTHENTICATED


@pytest.mark.parametrize(
    "caller, expected",
    [
        ("student", INSUFFICIENT),
        ("other instructor", (403, "Not authorized to view analytics for this course")),
        ("owner", 200),
        ("admin without setup", 200),  # an admin; the setup gate is the system overview's
        ("admin", 200),
    ],
)
def test_a_courses_figures_are_for_its_instructor_and_admins(caller: str, expected: object) -> None:
    owner, owner_token = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner, published=False)

    response = course_analytics(_token(caller, owner_token), course.id)

    if expected == 200:
        assert ok(response)["course_id"] == str(course.id)
    else:
        assert refused(response) == expected


def test_an_unknown_course_is_not_found_for_instructors_and_forbidden_to_students() -> None:
    unknown = uuid.uuid4()

    assert refused(course_analytics(_token("instructor"), unknown)) == (404, "Course not found")
    assert refused(course_analytics(_token("admin"), unknown)) == (404, "Course not found")
    assert refused(course_analytics(_token("student"), unknown)) == INSUFFICIENT


@pytest.mark.parametrize(
    "caller, expected",
    [
        ("student", INSUFFICIENT),
        ("other instructor", (403, "Not authorized to view analytics for this instructor")),
        ("owner", 200),
        ("admin without setup", 200),
        ("admin", 200),
    ],
)
def test_an_instructors_overview_is_for_that_instructor_and_admins(
    caller: str, expected: object
) -> None:
    instructor, own_token = make_user(role=Role.INSTRUCTOR)
    make_course(instructor)

    response = instructor_overview(_token(caller, own_token), instructor.id)

    if expected == 200:
        assert ok(response)["total_courses"] == 1
    else:
        assert refused(response) == expected


def test_a_student_may_not_read_an_overview_even_of_their_own_id() -> None:
    student, token = make_user()

    assert refused(instructor_overview(token, student.id)) == INSUFFICIENT


def test_an_overview_of_an_unknown_user_is_not_found() -> None:
    response = instructor_overview(_token("admin"), uuid.uuid4())

    assert refused(response) == (404, "Instructor not found")


@pytest.mark.parametrize(
    "caller, expected",
    [
        ("student", NOT_ADMIN),
        ("instructor", NOT_ADMIN),
        ("admin without setup", SETUP_FIRST),  # the reference let them in (§6.17)
        ("admin", 200),
    ],
)
def test_the_system_overview_is_for_admins_whose_setup_is_complete(
    caller: str, expected: object
) -> None:
    response = system_overview(_token(caller))

    if expected == 200:
        assert ok(response)["total_admins"] == 1
    else:
        assert refused(response) == expected
