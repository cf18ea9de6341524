"""The `progress` queue's handlers: a course's enrollment figures, and enrollment summaries
after its lessons changed (functions_jobs/progress.py maps the messages to them).

    course.enrollments_changed   recompute the course's figures
    enrollment.completed         the same, then ask for the certificate
    course.lessons_changed       every enrollment's summary, and the completions

The figures (enrollment_count = active + completed, completed_count, total_reviews =
ratings given, average_rating = mean rating to 2 places or null) are recomputed from the
enrollments table by one UPDATE of the course row with correlated subqueries, never
incremented: a message delivered twice, or after a later one, still leaves them right.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select, update
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus, LessonProgress, ProgressStatus
from shared.domain.users import User
from shared.messages.commands import IssueCertificate
from shared.messages.events import (
    CourseEnrollmentsChanged,
    CourseLessonsChanged,
    EnrollmentCompleted,
)
from shared.services.course_access import LEARNING_STATUSES
from shared.services.progress import Learner, complete_enrollment
from shared.uow import UnitOfWork

log = logging.getLogger("lms.progress")


def recompute_course_figures(session: Session, course_id: uuid.UUID) -> None:
    """One UPDATE of the course from its enrollments (a missing course updates nothing).

    `updated_at` stays: it says when the course's content last changed, not its figures.
    """

    def of_course(column: ColumnElement[Any], *criteria: ColumnElement[bool]) -> Any:
        return (
            select(column)
            .where(Enrollment.course_id == Course.id, *criteria)
            .correlate(Course)
            .scalar_subquery()
        )

    session.execute(
        update(Course)
        .where(Course.id == course_id)
        .values(
            enrollment_count=of_course(func.count(), Enrollment.status.in_(LEARNING_STATUSES)),
            completed_count=of_course(
                func.count(), Enrollment.status == EnrollmentStatus.COMPLETED.value
            ),
            total_reviews=of_course(func.count(Enrollment.rating)),
            average_rating=of_course(func.round(func.avg(Enrollment.rating), 2)),
        )
        .execution_options(synchronize_session=False)
    )


def _percentage_sql() -> Any:
    """`percentage` in SQL over the stored counts (numeric on PostgreSQL, so half-up too)."""
    completed = Enrollment.completed_lessons_count
    total = Enrollment.total_lessons_count
    return case(
        (total <= 0, 0),
        (completed >= total, 100),
        else_=func.round(completed * literal_column("100.0") / total, 2),
    )


def recompute_course_summaries(uow: UnitOfWork, course_id: uuid.UUID) -> int:
    """After the course's lessons changed: every enrollment's summary recomputed set-based
    (a fixed number of statements whatever the number of enrollments), then each active
    enrollment that now has every lesson done completes as usual. Returns the completions.

    The enrollment rows are locked first (in id order, so two runs cannot deadlock): the
    UPDATEs then start after every concurrent progress write has committed and see its rows.
    """
    session = uow.session
    now = uow.clock()
    of_course = Enrollment.course_id == course_id
    session.execute(
        select(Enrollment.id).where(of_course).order_by(Enrollment.id).with_for_update()
    )
    completed = (
        select(func.count())
        .where(
            LessonProgress.enrollment_id == Enrollment.id,
            LessonProgress.status == ProgressStatus.COMPLETED.value,
        )
        .correlate(Enrollment)
        .scalar_subquery()
    )
    spent = (
        select(func.coalesce(func.sum(LessonProgress.time_spent_seconds), 0))
        .where(LessonProgress.enrollment_id == Enrollment.id)
        .correlate(Enrollment)
        .scalar_subquery()
    )
    total = select(Course.total_lessons).where(Course.id == course_id).scalar_subquery()
    no_sync = {"synchronize_session": False}
    session.execute(
        update(Enrollment)
        .where(of_course)
        .values(
            total_lessons_count=total,
            completed_lessons_count=completed,
            total_time_spent_seconds=spent,
            updated_at=now,
        )
        .execution_options(**no_sync)
    )
    session.execute(
        update(Enrollment)
        .where(of_course)
        .values(progress_percentage=_percentage_sql())
        .execution_options(**no_sync)
    )
    due = session.execute(
        select(Enrollment, Course.title, User.email, User.full_name)
        .join(Course, Course.id == Enrollment.course_id)
        .join(User, User.id == Enrollment.student_id)
        .where(
            of_course,
            Enrollment.status == EnrollmentStatus.ACTIVE.value,
            Enrollment.total_lessons_count > 0,
            Enrollment.completed_lessons_count >= Enrollment.total_lessons_count,
        )
    ).all()
    for enrollment, title, email, full_name in due:
        complete_enrollment(uow, enrollment, course_title=title, learner=Learner(email, full_name))
    return len(due)


def on_enrollments_changed(uow: UnitOfWork, message: CourseEnrollmentsChanged) -> None:
    recompute_course_figures(uow.session, message.course_id)


def on_enrollment_completed(uow: UnitOfWork, message: EnrollmentCompleted) -> None:
    recompute_course_figures(uow.session, message.course_id)
    uow.publish(IssueCertificate(enrollment_id=message.enrollment_id))


def on_lessons_changed(uow: UnitOfWork, message: CourseLessonsChanged) -> None:
    completed = recompute_course_summaries(uow, message.course_id)
    if completed:
        log.info(
            "course %s: %d enrollment(s) completed after its lessons changed",
            message.course_id,
            completed,
        )
