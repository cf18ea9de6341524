"""Enrolling in a course, reading enrollments, reviewing and dropping one.

Enrolling is idempotent: enrolling again answers with the existing enrollment (200, no
events; the reference answered 201), and a dropped one is reactivated with its progress kept.
Two enrollments racing for the same course meet the unique (student, course) key; the loser
answers with the winner's row instead of failing.

The course's enrollment and rating figures are not touched here: each change publishes
`course.enrollments_changed`, and the progress queue recomputes them from the table
(shared/services/course_stats.py), so no request queues on the course row's lock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.domain.errors import AccessDeniedError, ResourceConflictError, ResourceNotFoundError
from shared.domain.users import Role
from shared.messages.emails import EnrollmentConfirmationEmail
from shared.messages.events import CourseEnrollmentsChanged, EnrollmentCreated, EnrollmentDropped
from shared.schemas.enrollments import EnrollmentCreate, EnrollmentOut, ReviewCreate
from shared.schemas.pages import Page, PageQuery
from shared.security.permissions import Actor
from shared.services import progress
from shared.services.course_access import is_owner, load_course
from shared.services.ids import parse_id
from shared.services.pages import fetch_page
from shared.uow import UnitOfWork

ENROLLMENT_NOT_FOUND = progress.ENROLLMENT_NOT_FOUND
NOT_VIEWER = "Not authorized to access this enrollment"
NOT_REVIEWER = "You can only review your own enrollments"
NOT_DROPPER = "You can only drop your own enrollments"
REVIEW_THRESHOLD = 20.0  # percent of the course done before a review counts


def enrollments_changed(uow: UnitOfWork, course_id: uuid.UUID) -> None:
    """Ask the progress queue to recompute the course's enrollment and rating figures."""
    uow.publish(CourseEnrollmentsChanged(course_id=course_id))


def enroll(uow: UnitOfWork, actor: Actor, data: EnrollmentCreate) -> tuple[EnrollmentOut, bool]:
    """The caller's enrollment in the course, and whether this call created it."""
    if actor.role is Role.INSTRUCTOR:
        raise AccessDeniedError("Only students can enroll")
    now = uow.clock()
    course = load_course(uow.session, data.course_id)
    if not course.is_published:
        raise AccessDeniedError("Cannot enroll in unpublished course")
    existing = _enrollment_of(uow.session, actor.id, course.id)
    if existing is not None:
        return _enroll_again(uow, actor, course, existing, now), False
    enrollment = Enrollment(
        id=uuid.uuid4(),
        student_id=actor.id,
        course_id=course.id,
        enrolled_at=now,
        started_at=now,
        status=EnrollmentStatus.ACTIVE.value,
        progress_percentage=0,
        completed_lessons_count=0,
        total_lessons_count=course.total_lessons,
        total_time_spent_seconds=0,
        last_accessed_at=now,
        updated_at=now,
    )
    uow.session.add(enrollment)
    try:
        uow.session.flush()
    except IntegrityError:
        # Another request enrolled the caller first (PostgreSQL made this insert wait for
        # it): answer with that enrollment.
        uow.rollback()
        existing = _enrollment_of(uow.session, actor.id, course.id)
        if existing is None:
            raise
        return _enroll_again(uow, actor, course, existing, now), False
    _announce_enrollment(uow, actor, course, enrollment)
    uow.commit()
    return EnrollmentOut.model_validate(enrollment), True


def _enrollment_of(
    session: Session, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment | None:
    return session.scalar(
        select(Enrollment)
        .where(Enrollment.student_id == student_id, Enrollment.course_id == course_id)
        .with_for_update()
    )


def _enroll_again(
    uow: UnitOfWork, actor: Actor, course: Course, enrollment: Enrollment, now: datetime
) -> EnrollmentOut:
    """An existing enrollment as it is; a dropped (or expired) one active again, progress kept
    and its summary brought up to date with the course's lessons."""
    if enrollment.status in progress.ENDED_STATUSES:
        enrollment.status = EnrollmentStatus.ACTIVE.value
        enrollment.dropped_at = None
        progress.summarize(uow.session, enrollment, course.total_lessons, now)
        if progress.is_due_for_completion(enrollment):
            learner = progress.learner_of(uow.session, actor, enrollment.student_id)
            progress.complete_enrollment(
                uow, enrollment, course_title=course.title, learner=learner
            )
        enrollments_changed(uow, course.id)
        uow.commit()
    return EnrollmentOut.model_validate(enrollment)


def _announce_enrollment(
    uow: UnitOfWork, actor: Actor, course: Course, enrollment: Enrollment
) -> None:
    learner = progress.learner_of(uow.session, actor, enrollment.student_id)
    uow.publish(
        EnrollmentCreated(
            enrollment_id=enrollment.id,
            student_id=enrollment.student_id,
            course_id=course.id,
            status=enrollment.status,
            enrolled_at=enrollment.enrolled_at,
        )
    )
    uow.publish(
        EnrollmentConfirmationEmail(
            to=learner.email,
            full_name=learner.full_name,
            course_id=course.id,
            course_title=course.title,
        )
    )
    enrollments_changed(uow, course.id)


def my_courses(uow: UnitOfWork, actor: Actor, query: PageQuery) -> Page[EnrollmentOut]:
    """The caller's enrollments, newest first: one statement."""
    return enrollment_page(uow.session, Enrollment.student_id == actor.id, query)


def enrollment_page(
    session: Session, where: ColumnElement[bool], query: PageQuery
) -> Page[EnrollmentOut]:
    """The enrollments matching `where`, newest first: one statement."""
    rows, total = fetch_page(
        session,
        select(Enrollment)
        .where(where)
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc()),
        query,
    )
    return Page[EnrollmentOut].of(
        [EnrollmentOut.model_validate(row[0]) for row in rows], total, query
    )


def get_enrollment(uow: UnitOfWork, actor: Actor, enrollment_id: str | uuid.UUID) -> EnrollmentOut:
    """For the admin, the enrolled student and the course's instructor: one joined query."""
    row = uow.session.execute(
        select(Enrollment, Course.instructor_id)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id == parse_id(enrollment_id, ENROLLMENT_NOT_FOUND))
    ).one_or_none()
    if row is None:
        raise ResourceNotFoundError(ENROLLMENT_NOT_FOUND)
    enrollment, instructor_id = row
    if not (actor.is_admin or actor.id == enrollment.student_id or is_owner(actor, instructor_id)):
        raise AccessDeniedError(NOT_VIEWER)
    return EnrollmentOut.model_validate(enrollment)


def _own_enrollment(
    uow: UnitOfWork, actor: Actor, enrollment_id: str | uuid.UUID, not_owner: str
) -> Enrollment:
    """The enrollment, locked, for its student or an admin."""
    enrollment = uow.session.get(
        Enrollment, parse_id(enrollment_id, ENROLLMENT_NOT_FOUND), with_for_update=True
    )
    if enrollment is None:
        raise ResourceNotFoundError(ENROLLMENT_NOT_FOUND)
    if not (actor.is_admin or actor.id == enrollment.student_id):
        raise AccessDeniedError(not_owner)
    return enrollment


def review(
    uow: UnitOfWork, actor: Actor, enrollment_id: str | uuid.UUID, data: ReviewCreate
) -> EnrollmentOut:
    """Rate the course (again: a new review replaces the previous one) once 20 % is done."""
    now = uow.clock()
    enrollment = _own_enrollment(uow, actor, enrollment_id, NOT_REVIEWER)
    progress.require_open(enrollment)
    if enrollment.progress_percentage < REVIEW_THRESHOLD:
        raise AccessDeniedError("Complete at least 20% before reviewing")
    enrollment.rating = data.rating
    enrollment.review = data.review
    enrollment.reviewed_at = now
    enrollment.updated_at = now
    enrollments_changed(uow, enrollment.course_id)
    uow.commit()
    return EnrollmentOut.model_validate(enrollment)


def drop(uow: UnitOfWork, actor: Actor, enrollment_id: str | uuid.UUID) -> EnrollmentOut:
    """Leave the course; progress is kept for a later re-enrollment. Dropping twice is a no-op."""
    now = uow.clock()
    enrollment = _own_enrollment(uow, actor, enrollment_id, NOT_DROPPER)
    if enrollment.status == EnrollmentStatus.COMPLETED.value:
        raise ResourceConflictError("A completed enrollment cannot be dropped")
    if enrollment.status == EnrollmentStatus.ACTIVE.value:
        enrollment.status = EnrollmentStatus.DROPPED.value
        enrollment.dropped_at = now
        enrollment.updated_at = now
        enrollments_changed(uow, enrollment.course_id)
        uow.publish(
            EnrollmentDropped(
                enrollment_id=enrollment.id,
                student_id=enrollment.student_id,
                course_id=enrollment.course_id,
                dropped_at=now,
            )
        )
        uow.commit()
    return EnrollmentOut.model_validate(enrollment)
