"""Assignment figures of the dashboards.

A student's (my-dashboard), one statement each:
    assignments_due      published assignments with a due date, of published courses the
                         student is actively enrolled in, with nothing submitted yet or work
                         returned for rework, not yet due or still taking late work; soonest
                         due first, at most LIST_LIMIT
    assignments_graded   the student's graded submissions, latest graded first, at most
                         LIST_LIMIT
An instructor's (the overview): submissions to the assignments of the instructor's courses
that wait for a grade (status submitted or revised), as a subquery of its one statement.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from shared.domain.assignments import (
    AWAITING_GRADING,
    Assignment,
    AssignmentStatus,
    LatePolicy,
    Submission,
    SubmissionStatus,
)
from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.domain.rounding import two_places
from shared.schemas.analytics import DueAssignmentOut, GradedAssignmentOut

LIST_LIMIT = 50


def due_assignments(
    session: Session, student_id: uuid.UUID, now: datetime
) -> list[DueAssignmentOut]:
    rows = session.execute(
        select(
            Assignment.id,
            Assignment.course_id,
            Course.title.label("course_title"),
            Assignment.title,
            Assignment.due_date,
            Assignment.late_policy,
            Assignment.max_points,
            Submission.id.label("submission_id"),
            Submission.status,
        )
        .join(Course, Course.id == Assignment.course_id)
        .join(Enrollment, Enrollment.course_id == Assignment.course_id)
        .outerjoin(
            Submission,
            and_(
                Submission.assignment_id == Assignment.id,
                Submission.enrollment_id == Enrollment.id,
            ),
        )
        .where(
            Enrollment.student_id == student_id,
            Enrollment.status == EnrollmentStatus.ACTIVE.value,
            Course.is_published.is_(True),
            Assignment.status == AssignmentStatus.PUBLISHED.value,
            Assignment.due_date.is_not(None),
            or_(Submission.id.is_(None), Submission.status == SubmissionStatus.RETURNED.value),
            or_(Assignment.due_date >= now, Assignment.late_policy != LatePolicy.REFUSE.value),
        )
        .order_by(Assignment.due_date, Assignment.id)
        .limit(LIST_LIMIT)
    ).all()
    return [
        DueAssignmentOut(
            assignment_id=row.id,
            course_id=row.course_id,
            course_title=row.course_title,
            title=row.title,
            due_date=row.due_date,
            is_overdue=row.due_date < now,
            late_policy=row.late_policy,
            max_points=row.max_points,
            submission_id=row.submission_id,
            status=row.status,
        )
        for row in rows
    ]


def graded_assignments(session: Session, student_id: uuid.UUID) -> list[GradedAssignmentOut]:
    rows = session.execute(
        select(
            Submission.assignment_id,
            Submission.id,
            Assignment.course_id,
            Course.title.label("course_title"),
            Assignment.title,
            Submission.grade,
            Submission.max_grade,
            Submission.is_late,
            Submission.graded_at,
        )
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(
            Submission.student_id == student_id,
            Submission.status == SubmissionStatus.GRADED.value,
        )
        .order_by(Submission.graded_at.desc(), Submission.id)
        .limit(LIST_LIMIT)
    ).all()
    return [
        GradedAssignmentOut(
            assignment_id=row.assignment_id,
            submission_id=row.id,
            course_id=row.course_id,
            course_title=row.course_title,
            title=row.title,
            grade=two_places(row.grade),
            max_grade=two_places(row.max_grade),
            is_late=row.is_late,
            graded_at=row.graded_at,
        )
        for row in rows
    ]


def awaiting_grading(instructor_id: uuid.UUID) -> Subquery:
    """One row, `awaiting`: the submissions to the instructor's courses' assignments that wait
    for a grade (index submissions(assignment_id, status))."""
    return (
        select(func.count().label("awaiting"))
        .select_from(Submission)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Course.instructor_id == instructor_id, Submission.status.in_(AWAITING_GRADING))
        .subquery("submission_figures")
    )
