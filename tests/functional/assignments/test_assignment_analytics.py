"""Assignments in the dashboards: what a student owes and got graded (my-dashboard), what waits
for an instructor's grade (the instructor overview)."""

from __future__ import annotations

import pytest

from tests.clock import ManualClock
from tests.functional.analytics.calls import instructor_overview, my_dashboard
from tests.functional.assignments.calls import classroom, create, due_in, grade, ok, review

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def test_the_dashboard_lists_assignments_due_soonest_first_and_those_graded(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, days=3), title="Essay")
    course = str(room.course.id)

    def published(title: str, **fields: object) -> str:
        body = {"course_id": course, "title": title, "status": "published", **fields}
        return str(ok(create(body, room.owner_token), 201)["id"])

    soon = published("Soon", due_date=due_in(clock.now, days=1))
    overdue = published("Overdue", due_date=due_in(clock.now, days=-1), late_policy="accept")
    published("Closed", due_date=due_in(clock.now, days=-1))  # refuses late work: not owed
    published("Undated")  # no due date: not "due"
    done = published("Done", due_date=due_in(clock.now, days=2))
    graded = ok(room.submit(assignment_id=done), 201)
    ok(grade(graded["id"], {"grade": 45}, room.owner_token))
    returned = ok(room.submit(assignment_id=soon), 201)
    ok(review(returned["id"], {"status": "returned"}, room.owner_token))

    body = ok(my_dashboard(room.student_token))

    due = [(a["title"], a["is_overdue"], a["status"]) for a in body["assignments_due"]]
    assert due == [("Overdue", True, None), ("Soon", False, "returned"), ("Essay", False, None)]
    assert body["assignments_due"][0]["assignment_id"] == overdue
    [got] = body["assignments_graded"]
    assert (got["title"], got["grade"], got["max_grade"], got["is_late"]) == (
        "Done",
        45.0,
        100.0,  # the default max_points
        False,
    )


def test_the_instructor_overview_counts_submissions_waiting_for_a_grade() -> None:
    room = classroom(max_submissions=None)
    first = ok(room.submit(), 201)
    _, token, _ = room.another_student()
    ok(room.submit(token), 201)
    _, third, _ = room.another_student()
    returned = ok(room.submit(third), 201)
    ok(review(returned["id"], {"status": "returned"}, room.owner_token))
    ok(room.submit(third), 201)  # revised: waiting again
    other = classroom()
    ok(other.submit(), 201)  # another instructor's

    assert (
        ok(instructor_overview(room.owner_token, room.owner.id))["submissions_awaiting_grading"]
        == 3
    )
    ok(grade(first["id"], {"grade": 1}, room.owner_token))
    assert (
        ok(instructor_overview(room.owner_token, room.owner.id))["submissions_awaiting_grading"]
        == 2
    )
