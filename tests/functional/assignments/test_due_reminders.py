"""The assignment_reminders timer: 24 hours before a due date, a reminder to each enrolled
student who has not submitted, once per student and assignment, on an injectable clock."""

from __future__ import annotations

import pytest
from azure.functions.timer import TimerRequest
from sqlalchemy import func, select

from shared import bootstrap
from shared.domain.assignments import AssignmentReminder
from tests.clock import ManualClock
from tests.function_calls import functions_by_name
from tests.functional.assignments.calls import (
    classroom,
    create,
    delivered_mail,
    due_in,
    ok,
    text_of,
)
from tests.functional.quizzes.scenario import messages
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]

REMINDER = "email.assignment_due_reminder"


def _run_timer() -> None:
    functions_by_name()["assignment_reminders"].get_user_function()(
        timer=TimerRequest(past_due=False)
    )


def _reminded() -> list[str]:
    return sorted(m["to"] for m in messages("emails", REMINDER))


def test_students_who_have_not_submitted_are_reminded_a_day_before_once(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, hours=30))
    submitter, submitter_token, _ = room.another_student()
    ok(room.submit(submitter_token), 201)
    dropped, _, _ = room.another_student(status="dropped")

    _run_timer()
    assert _reminded() == []  # 30 hours ahead: not yet

    clock.advance(hours=6)  # exactly 24 hours before
    _run_timer()
    _run_timer()  # a second run, as a retried or overlapping one would
    clock.advance(hours=12)
    _run_timer()

    assert _reminded() == [room.student.email]
    [mail] = delivered_mail(room.student.email)
    assert mail["Subject"].startswith("Write an essay is due on ")
    assert "no submission from you yet" in text_of(mail)
    assert submitter.email not in _reminded() and dropped.email not in _reminded()
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AssignmentReminder)) == 1


def test_nothing_is_sent_for_drafts_past_due_dates_or_assignments_without_one(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, hours=2), published=False)
    course = str(room.course.id)
    for fields in ({"due_date": None}, {"due_date": due_in(clock.now, minutes=-5)}):
        body = {"course_id": course, "title": "Other", "status": "published", **fields}
        ok(create(body, room.owner_token), 201)

    _run_timer()

    assert _reminded() == []


def test_a_student_enrolled_inside_the_last_day_is_reminded_at_the_next_run(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, hours=10))
    _run_timer()
    late_joiner, _, _ = room.another_student()
    clock.advance(minutes=10)

    _run_timer()

    assert _reminded() == sorted([room.student.email, late_joiner.email])


def test_the_lead_time_is_a_setting(clock: ManualClock) -> None:
    settings = bootstrap.current().settings
    longer = settings.model_copy(update={"ASSIGNMENT_REMINDER_LEAD_HOURS": 48})
    bootstrap.install(bootstrap.build(longer, clock=clock))
    room = classroom(due_date=due_in(clock.now, hours=40))

    _run_timer()

    assert _reminded() == [room.student.email]


def test_the_timer_runs_on_its_own_schedule_setting() -> None:
    trigger = functions_by_name()["assignment_reminders"].get_trigger().get_dict_repr()
    assert trigger["schedule"] == "%ASSIGNMENT_REMINDER_SCHEDULE%"
