"""Reading submissions: one (its student, the course's managers), an assignment's (the
course's managers: admins too, which the reference refused), an enrollment's (its student,
the course's managers)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from shared.domain.assignments import Submission
from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment
from shared.domain.errors import AccessDeniedError, ResourceNotFoundError
from shared.domain.users import Role
from shared.schemas.assignments import SubmissionDetail, SubmissionList, SubmissionsQuery
from shared.security.permissions import Actor
from shared.services.assignments.access import (
    assignment_with_course,
    require_submission_viewer,
    submission_in_context,
)
from shared.services.assignments.views import (
    submission_detail,
    submission_outs,
    with_current_version,
)
from shared.services.course_access import is_manager
from shared.services.ids import parse_id
from shared.services.pages import fetch_slice
from shared.uow import UnitOfWork

STAFF_ONLY = "Only the course's instructors and admins can view an assignment's submissions"
NOT_YOURS = "Assignment not found or you don't have access"
ENROLLMENT_NOT_FOUND = "Enrollment not found"
NOT_ENROLLMENT_VIEWER = "Not authorized to access this enrollment"


def get_submission(
    uow: UnitOfWork, actor: Actor, submission_id: str | uuid.UUID
) -> SubmissionDetail:
    submission, _, course = submission_in_context(uow.session, submission_id)
    require_submission_viewer(actor, submission, course)
    return submission_detail(uow.session, submission)


def list_for_assignment(
    uow: UnitOfWork, actor: Actor, assignment_id: str | uuid.UUID, query: SubmissionsQuery
) -> SubmissionList:
    """The assignment's submissions, longest waiting first; ?status= narrows them."""
    if actor.role is Role.STUDENT:
        raise AccessDeniedError(STAFF_ONLY)
    assignment, course = assignment_with_course(uow.session, assignment_id)
    if not is_manager(actor, course):
        raise ResourceNotFoundError(NOT_YOURS)
    statement = select(Submission).where(Submission.assignment_id == assignment.id)
    if query.status is not None:
        statement = statement.where(Submission.status == query.status.value)
    statement = statement.order_by(Submission.submitted_at, Submission.id)
    return _page(uow, statement, query)


def list_for_enrollment(
    uow: UnitOfWork, actor: Actor, enrollment_id: str | uuid.UUID, query: SubmissionsQuery
) -> SubmissionList:
    """The enrollment's submissions, latest first."""
    session = uow.session
    row = session.execute(
        select(Enrollment, Course)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id == parse_id(enrollment_id, ENROLLMENT_NOT_FOUND))
    ).one_or_none()
    if row is None:
        raise ResourceNotFoundError(ENROLLMENT_NOT_FOUND)
    enrollment, course = row
    if not (actor.id == enrollment.student_id or is_manager(actor, course)):
        raise AccessDeniedError(NOT_ENROLLMENT_VIEWER)
    statement = select(Submission).where(Submission.enrollment_id == enrollment.id)
    if query.status is not None:
        statement = statement.where(Submission.status == query.status.value)
    statement = statement.order_by(Submission.submitted_at.desc(), Submission.id.desc())
    return _page(uow, statement, query)


def _page(uow: UnitOfWork, statement: Select[Any], query: SubmissionsQuery) -> SubmissionList:
    rows, total = fetch_slice(uow.session, with_current_version(statement), query.skip, query.limit)
    return SubmissionList(
        submissions=submission_outs(uow.session, [(r[0], r[1]) for r in rows]),
        total=total,
        page=query.skip // query.limit + 1,
        page_size=query.limit,
    )
