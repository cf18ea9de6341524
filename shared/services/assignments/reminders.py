"""Reminders before a due date, sent by the assignment_reminders timer.

Who gets one: each active student (enrollment active, account active) of a published course
with a published assignment due within the next ASSIGNMENT_REMINDER_LEAD_HOURS (24 by
default) who has not submitted anything for it. Once per student and assignment, ever: the
assignment_reminders row (primary key assignment, enrollment) is inserted with ON CONFLICT DO
NOTHING ... RETURNING in the transaction that publishes the e-mail, so two runs at the same
moment, or a run retried after a failure, cannot send a second one. A due date moved later
does not send another.

The timer runs every few minutes (ASSIGNMENT_REMINDER_SCHEDULE), so a reminder goes out
within a run of the moment the due date comes within the lead time; an assignment published
or a student enrolled later inside that window is reminded at the next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, exists, select

from shared.db import upsert_insert
from shared.domain.assignments import Assignment, AssignmentReminder, AssignmentStatus, Submission
from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.domain.users import User
from shared.messages.emails import AssignmentDueReminderEmail
from shared.uow import UnitOfWork

BATCH = 500  # reminders per transaction


def due_text(due_date: datetime) -> str:
    return f"on {due_date:%Y-%m-%d} at {due_date:%H:%M} UTC"


def send_due_reminders(uow: UnitOfWork, lead: timedelta) -> int:
    """Publish every reminder due now, in batches each committed; how many were sent."""
    sent = 0
    while True:
        found, claimed = _send_batch(uow, lead)
        sent += claimed
        if found < BATCH:
            return sent


def _send_batch(uow: UnitOfWork, lead: timedelta) -> tuple[int, int]:
    """Remind one batch: how many students were found waiting, and how many were claimed
    (the others a concurrent run reminded meanwhile)."""
    now = uow.clock()
    rows = _waiting(uow, now, lead)
    if not rows:
        uow.rollback()
        return 0, 0
    insert = upsert_insert(uow.session)
    claimed = {
        (row.assignment_id, row.enrollment_id)
        for row in uow.session.execute(
            insert(AssignmentReminder)
            .values(
                [
                    {
                        "assignment_id": r.assignment_id,
                        "enrollment_id": r.enrollment_id,
                        "sent_at": now,
                    }
                    for r in rows
                ]
            )
            .on_conflict_do_nothing()
            .returning(AssignmentReminder.assignment_id, AssignmentReminder.enrollment_id)
        )
    }
    for row in rows:
        if (row.assignment_id, row.enrollment_id) in claimed:
            uow.publish(
                AssignmentDueReminderEmail(
                    to=row.email,
                    full_name=row.full_name,
                    assignment_id=row.assignment_id,
                    assignment_title=row.title,
                    course_title=row.course_title,
                    due_text=due_text(row.due_date),
                )
            )
    uow.commit()
    return len(rows), len(claimed)


def _waiting(uow: UnitOfWork, now: datetime, lead: timedelta) -> list[Row[Any]]:
    """Students to remind now (index assignments(status, due_date) finds the assignments)."""
    submitted = exists().where(
        Submission.assignment_id == Assignment.id, Submission.enrollment_id == Enrollment.id
    )
    reminded = exists().where(
        AssignmentReminder.assignment_id == Assignment.id,
        AssignmentReminder.enrollment_id == Enrollment.id,
    )
    return list(
        uow.session.execute(
            select(
                Assignment.id.label("assignment_id"),
                Assignment.title,
                Assignment.due_date,
                Course.title.label("course_title"),
                Enrollment.id.label("enrollment_id"),
                User.email,
                User.full_name,
            )
            .join(Course, Course.id == Assignment.course_id)
            .join(Enrollment, Enrollment.course_id == Assignment.course_id)
            .join(User, User.id == Enrollment.student_id)
            .where(
                Assignment.status == AssignmentStatus.PUBLISHED.value,
                Assignment.due_date > now,
                Assignment.due_date <= now + lead,
                Course.is_published.is_(True),
                Enrollment.status == EnrollmentStatus.ACTIVE.value,
                User.is_active.is_(True),
                ~submitted,
                ~reminded,
            )
            .order_by(Assignment.due_date, Assignment.id, Enrollment.id)
            .limit(BATCH)
        ).all()
    )
