"""A student's own figures: /analytics/my-progress and /analytics/my-dashboard.

my-progress, over every enrollment of the caller whatever its status:
    total_enrollments         COUNT(*); active_ and completed_enrollments: COUNT by status
    average_progress          SUM(progress_percentage) / COUNT(*)
    total_time_hours          SUM(total_time_spent_seconds) / 3600
    total_lessons_completed   SUM(completed_lessons_count)
and over the caller's quiz attempts with status `graded`:
    quizzes_taken             COUNT(*); quizzes_passed: those with is_passed
    average_quiz_score        AVG(percentage), 0-100 (the reference averaged raw scores,
                              which mixes quizzes worth 5 points with quizzes worth 50)

my-dashboard: that summary; one row per enrollment, newest enrollment first; and per UTC
date of the last 30 (today included), the lessons completed that day with the time spent
on them, and the graded attempts submitted that day. Days without either are left out; and
the assignments due and graded (analytics/assignments.py).

Statements: my-progress 1, my-dashboard 5, whatever the number of enrollments.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnClause, Row, Select, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus, LessonProgress, ProgressStatus
from shared.domain.quizzes import AttemptStatus, QuizAttempt
from shared.domain.rounding import two_places
from shared.schemas.analytics import (
    DailyActivityOut,
    DashboardCourseOut,
    StudentDashboardOut,
    StudentProgressOut,
)
from shared.security.permissions import Actor
from shared.services.analytics import assignments
from shared.services.analytics.formulas import (
    count_where,
    mean,
    one_row,
    per_hour,
    per_minute,
    utc_date,
)
from shared.uow import UnitOfWork

ACTIVITY_DAYS = 30


def my_progress(uow: UnitOfWork, actor: Actor) -> StudentProgressOut:
    return _progress(uow.session, actor.id)


def my_dashboard(uow: UnitOfWork, actor: Actor) -> StudentDashboardOut:
    """The activity window ends with the UTC date of the unit of work's clock."""
    now = uow.clock()
    return StudentDashboardOut(
        student_id=actor.id,
        summary=_progress(uow.session, actor.id),
        courses=_courses(uow.session, actor.id),
        recent_activity=_activity(uow.session, actor.id, now),
        assignments_due=assignments.due_assignments(uow.session, actor.id, now),
        assignments_graded=assignments.graded_assignments(uow.session, actor.id),
    )


def _graded_of(student_id: uuid.UUID) -> Select[Any]:
    """The student's graded attempts (index: quiz_attempts(student_id, quiz_id))."""
    return select().where(
        QuizAttempt.student_id == student_id,
        QuizAttempt.status == AttemptStatus.GRADED.value,
    )


def _progress(session: Session, student_id: uuid.UUID) -> StudentProgressOut:
    """One statement: the enrollment aggregate beside the attempt aggregate."""
    enrollments = (
        select(
            func.count().label("enrollments"),
            count_where(Enrollment.status == EnrollmentStatus.ACTIVE.value).label("active"),
            count_where(Enrollment.status == EnrollmentStatus.COMPLETED.value).label("completed"),
            func.sum(Enrollment.progress_percentage).label("progress"),
            func.sum(Enrollment.total_time_spent_seconds).label("seconds"),
            func.sum(Enrollment.completed_lessons_count).label("lessons"),
        )
        .where(Enrollment.student_id == student_id)
        .subquery("enrollment_figures")
    )
    attempts = (
        _graded_of(student_id)
        .add_columns(
            func.count().label("taken"),
            count_where(QuizAttempt.is_passed.is_(True)).label("passed"),
            func.sum(QuizAttempt.percentage).label("percentage"),
            func.count(QuizAttempt.percentage).label("scored"),
        )
        .subquery("attempt_figures")
    )
    row = session.execute(one_row(enrollments, attempts)).one()
    return StudentProgressOut(
        student_id=student_id,
        total_enrollments=row.enrollments,
        active_enrollments=row.active,
        completed_enrollments=row.completed,
        average_progress=mean(row.progress, row.enrollments),
        total_time_hours=per_hour(row.seconds),
        total_lessons_completed=row.lessons or 0,
        quizzes_taken=row.taken,
        quizzes_passed=row.passed,
        average_quiz_score=mean(row.percentage, row.scored),
    )


def _courses(session: Session, student_id: uuid.UUID) -> list[DashboardCourseOut]:
    """One statement: the enrollments with their course titles and per-enrollment attempt
    figures (one GROUP BY over the student's graded attempts, joined in)."""
    attempts = (
        _graded_of(student_id)
        .add_columns(
            QuizAttempt.enrollment_id,
            func.count().label("taken"),
            func.sum(QuizAttempt.percentage).label("percentage"),
            func.count(QuizAttempt.percentage).label("scored"),
        )
        .group_by(QuizAttempt.enrollment_id)
        .subquery("attempts_by_enrollment")
    )
    rows = session.execute(
        select(
            Enrollment.course_id,
            Course.title,
            Enrollment.progress_percentage,
            Enrollment.completed_lessons_count,
            Enrollment.total_lessons_count,
            Enrollment.total_time_spent_seconds,
            attempts.c.taken,
            attempts.c.percentage,
            attempts.c.scored,
        )
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(attempts, attempts.c.enrollment_id == Enrollment.id)
        .where(Enrollment.student_id == student_id)
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    ).all()
    return [_course_row(row) for row in rows]


def _course_row(row: Row[Any]) -> DashboardCourseOut:
    return DashboardCourseOut(
        course_id=row.course_id,
        course_title=row.title,
        progress_percentage=two_places(row.progress_percentage),
        completed_lessons=row.completed_lessons_count,
        total_lessons=row.total_lessons_count,
        time_spent_hours=per_hour(row.total_time_spent_seconds),
        quizzes_completed=row.taken or 0,
        average_quiz_score=mean(row.percentage, row.scored),
    )


def _activity(session: Session, student_id: uuid.UUID, now: datetime) -> list[DailyActivityOut]:
    """One statement: lessons completed and attempts graded per UTC date, from a UNION ALL of
    the two daily aggregates, latest date first."""
    today = now.astimezone(UTC).date()
    start = datetime.combine(today - timedelta(days=ACTIVITY_DAYS - 1), time(), UTC)
    end = datetime.combine(today + timedelta(days=1), time(), UTC)
    zero: ColumnClause[int] = literal_column("0")

    completed_on = utc_date(LessonProgress.completed_at)
    lessons = (
        select(
            completed_on.label("day"),
            func.count().label("lessons"),
            func.sum(LessonProgress.time_spent_seconds).label("seconds"),
            zero.label("quizzes"),
        )
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(
            Enrollment.student_id == student_id,
            LessonProgress.status == ProgressStatus.COMPLETED.value,
            LessonProgress.completed_at >= start,
            LessonProgress.completed_at < end,
        )
        .group_by(completed_on)
    )
    submitted_on = utc_date(QuizAttempt.submitted_at)
    quizzes = (
        _graded_of(student_id)
        .add_columns(
            submitted_on.label("day"),
            zero.label("lessons"),
            zero.label("seconds"),
            func.count().label("quizzes"),
        )
        .where(QuizAttempt.submitted_at >= start, QuizAttempt.submitted_at < end)
        .group_by(submitted_on)
    )
    days = union_all(lessons, quizzes).subquery("activity")
    rows = session.execute(
        select(
            days.c.day,
            func.sum(days.c.lessons).label("lessons"),
            func.sum(days.c.seconds).label("seconds"),
            func.sum(days.c.quizzes).label("quizzes"),
        )
        .group_by(days.c.day)
        .order_by(days.c.day.desc())
    ).all()
    return [
        DailyActivityOut(
            date=row.day,
            lessons_completed=row.lessons,
            time_spent_minutes=per_minute(row.seconds),
            quizzes_taken=row.quizzes,
        )
        for row in rows
    ]
