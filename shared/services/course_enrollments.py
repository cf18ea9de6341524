"""A course's enrollments as its managers (the instructor, admins) see them: the list and
the figures."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, case, func, select

from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.domain.rounding import two_places
from shared.schemas.enrollments import CourseEnrollmentStats, EnrollmentOut
from shared.schemas.pages import Page, PageQuery
from shared.security.permissions import Actor
from shared.services.course_access import LEARNING_STATUSES, load_course, require_manager
from shared.services.enrollments import enrollment_page
from shared.uow import UnitOfWork

NOT_MANAGER = "Not authorized to view course enrollments"


def list_course_enrollments(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, query: PageQuery
) -> Page[EnrollmentOut]:
    """Newest first: the course, one COUNT and one page query."""
    course = load_course(uow.session, course_id)
    require_manager(actor, course, NOT_MANAGER)
    return enrollment_page(uow.session, Enrollment.course_id == course.id, query)


def _count_of(status: EnrollmentStatus) -> ColumnElement[int]:
    return func.count(case((Enrollment.status == status.value, 1)))


def course_enrollment_stats(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID
) -> CourseEnrollmentStats:
    """Counts by status and the average progress of the learning (active or completed)
    enrollments, in one aggregate query."""
    course = load_course(uow.session, course_id)
    require_manager(actor, course, NOT_MANAGER)
    learning = Enrollment.status.in_(LEARNING_STATUSES)
    total, active, completed, dropped, average = uow.session.execute(
        select(
            func.count(),
            _count_of(EnrollmentStatus.ACTIVE),
            _count_of(EnrollmentStatus.COMPLETED),
            _count_of(EnrollmentStatus.DROPPED),
            func.avg(case((learning, Enrollment.progress_percentage))),
        ).where(Enrollment.course_id == course.id)
    ).one()
    return CourseEnrollmentStats(
        course_id=course.id,
        total_enrollments=total,
        active_enrollments=active,
        completed_enrollments=completed,
        dropped_enrollments=dropped,
        average_progress=two_places(average),
    )
