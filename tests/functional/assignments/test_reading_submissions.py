"""Reading submissions: one, an assignment's and an enrollment's, each for its own readers."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.users import Role
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.functional.assignments.calls import (
    classroom,
    get_submission,
    grade,
    list_for_assignment,
    list_for_enrollment,
    ok,
    refused,
)

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def test_a_submission_is_read_by_its_student_and_the_courses_managers() -> None:
    room = classroom()
    submission = ok(room.submit(), 201)
    _, classmate, _ = room.another_student()
    _, other = make_user(role=Role.INSTRUCTOR)
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)

    for token in (room.student_token, room.owner_token, admin):
        assert ok(get_submission(submission["id"], token))["id"] == submission["id"]
    for token in (classmate, other):
        assert refused(get_submission(submission["id"], token), 403) == (
            "Not authorized to access this submission"
        )
    assert refused(get_submission(uuid.uuid4(), admin), 404) == "Submission not found"


def test_an_assignments_submissions_wait_in_line_for_its_managers_admins_included(
    clock: ManualClock,
) -> None:
    room = classroom()
    first = ok(room.submit(), 201)
    clock.advance(minutes=1)
    _, second_token, _ = room.another_student()
    second = ok(room.submit(second_token), 201)
    ok(grade(first["id"], {"grade": 10}, room.owner_token))
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)

    everything = ok(list_for_assignment(room.assignment_id, admin))
    waiting = ok(list_for_assignment(room.assignment_id, room.owner_token, "?status=submitted"))

    assert [s["id"] for s in everything["submissions"]] == [first["id"], second["id"]]
    assert (everything["total"], everything["page"], everything["page_size"]) == (2, 1, 100)
    assert [s["id"] for s in waiting["submissions"]] == [second["id"]]
    bad = list_for_assignment(room.assignment_id, room.owner_token, "?status=lost")
    assert refused(bad, 422)
    assert refused(list_for_assignment(room.assignment_id, room.owner_token, "?limit=0"), 422)


def test_students_and_other_instructors_do_not_list_an_assignments_submissions() -> None:
    room = classroom()
    _, other = make_user(role=Role.INSTRUCTOR)

    assert refused(list_for_assignment(room.assignment_id, room.student_token), 403)
    assert refused(list_for_assignment(room.assignment_id, other), 404) == (
        "Assignment not found or you don't have access"
    )


def test_an_enrollments_submissions_for_its_student_and_the_courses_managers() -> None:
    room = classroom()
    ok(room.submit(), 201)
    _, classmate, _ = room.another_student()
    _, other = make_user(role=Role.INSTRUCTOR)

    mine = ok(list_for_enrollment(room.enrollment.id, room.student_token))
    theirs = ok(list_for_enrollment(room.enrollment.id, room.owner_token))

    assert mine["total"] == theirs["total"] == 1
    assert mine["submissions"][0]["content"] == "My answer"
    for token in (classmate, other):
        assert refused(list_for_enrollment(room.enrollment.id, token), 403) == (
            "Not authorized to access this enrollment"
        )
    assert refused(list_for_enrollment(uuid.uuid4(), room.owner_token), 404)
