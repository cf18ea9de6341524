"""A student submits work for an assignment: the first version, or another one.

- Only students submit, to a published assignment of a published course they are enrolled in
  (active or completed), for their own enrollment. `submitted_at` is the server's clock.
- After the due date, `late_policy` decides: refuse (403), accept, or penalty; an accepted
  late version is marked late with the days it is late (each started day counts), and the
  penalty is taken off when it is graded (reviewing.py).
- Each submission keeps every version. A student may submit again until the work is graded,
  up to `max_submissions` versions (null: no limit). Work returned for rework may always be
  submitted once more (the instructor asked for it): that version is not judged against the
  due date again, it keeps the lateness of the version that was returned.
- Attachments are the caller's own available files of the files module, by id.
- One submission per enrollment and assignment, whatever the timing: when two first
  submissions race, the unique constraint lets one insert and the other is tried again once,
  as a resubmission under the winner's row lock (or refused when no version is left).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shared.domain.assignments import (
    Assignment,
    AssignmentStatus,
    LatePolicy,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    SubmissionVersion,
)
from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.users import Role
from shared.schemas.assignments import SubmissionCreate, SubmissionDetail
from shared.security.permissions import Actor
from shared.services.assignments.access import assignment_with_course, learning_enrollment
from shared.services.assignments.views import submission_detail
from shared.services.files.library import owned_file
from shared.uow import UnitOfWork

STUDENTS_ONLY = "Only students can submit assignments"
ENROLLMENT_NOT_FOUND = "Enrollment not found"
NOT_IN_COURSE = "Assignment not found or does not belong to the course"
ENROLL_FIRST = "You must enroll in the course before submitting its assignments"
NOT_PUBLISHED = "Assignment is not published"
ARCHIVED = "This assignment is archived and takes no submissions"
PAST_DUE = (
    "The due date has passed and this assignment does not accept late work; ask your instructor"
)
GRADED = "This submission is graded; it can no longer change"
RACE = "Another submission of this assignment was saved at the same moment; reload and retry"
SECONDS_PER_DAY = 86_400


def lateness(due_date: datetime | None, at: datetime) -> int:
    """Days late at `at` (each started day counts); 0 when on time or without a due date."""
    if due_date is None or at <= due_date:
        return 0
    return math.ceil((at - due_date).total_seconds() / SECONDS_PER_DAY)


def submit(uow: UnitOfWork, actor: Actor, data: SubmissionCreate) -> SubmissionDetail:
    """Save a version of the caller's work; the submission with every version."""
    if actor.role is not Role.STUDENT:
        raise AccessDeniedError(STUDENTS_ONLY)
    try:
        submission = _save_version(uow, actor, data)
        uow.commit()
    except IntegrityError:
        # A concurrent first submission (or version) won: once more, under its lock.
        uow.rollback()
        try:
            submission = _save_version(uow, actor, data)
            uow.commit()
        except IntegrityError:
            uow.rollback()
            raise ResourceConflictError(RACE) from None
    return submission_detail(uow.session, submission)


def _save_version(uow: UnitOfWork, actor: Actor, data: SubmissionCreate) -> Submission:
    now = uow.clock()
    session = uow.session
    assignment, course = assignment_with_course(session, data.assignment_id)
    enrollment = _enrollment(uow, actor, course, data.enrollment_id)
    _require_open(assignment, course)
    files = [owned_file(uow, actor.id, file_id) for file_id in data.file_ids]
    submission = session.scalar(
        select(Submission)
        .where(
            Submission.enrollment_id == enrollment.id,
            Submission.assignment_id == assignment.id,
        )
        .with_for_update()
    )
    days_late = lateness(assignment.due_date, now)
    if submission is None:
        _require_on_time_or_accepted(assignment, days_late)
        submission = Submission(
            id=uuid.uuid4(),
            assignment_id=assignment.id,
            enrollment_id=enrollment.id,
            student_id=actor.id,
            status=SubmissionStatus.SUBMITTED.value,
            version=1,
            feedback_attachments=[],
            created_at=now,
        )
        session.add(submission)
    else:
        days_late = _next_version(submission, assignment, days_late)
    submission.submitted_at = now
    submission.is_late = days_late > 0
    submission.days_late = days_late
    submission.updated_at = now
    version = SubmissionVersion(
        id=uuid.uuid4(),
        submission_id=submission.id,
        number=submission.version,
        submission_type=data.submission_type or _kind(data),
        content=data.content,
        link_url=data.link_url,
        metadata_=data.submission_metadata,
        submitted_at=now,
        is_late=days_late > 0,
        days_late=days_late,
    )
    session.add(version)
    session.flush()  # the version before the files that refer to it
    session.add_all(
        SubmissionFile(version_id=version.id, file_id=stored.id, position=position)
        for position, stored in enumerate(files, start=1)
    )
    session.flush()
    return submission


def _enrollment(
    uow: UnitOfWork, actor: Actor, course: Course, enrollment_id: uuid.UUID | None
) -> Enrollment:
    """The caller's learning enrollment in the course (the one named, when one is)."""
    session = uow.session
    if enrollment_id is not None:
        named = session.get(Enrollment, enrollment_id)
        if named is None or named.student_id != actor.id:
            raise ResourceNotFoundError(ENROLLMENT_NOT_FOUND)
        if named.course_id != course.id:
            raise RuleViolationError(NOT_IN_COURSE)
    enrollment = learning_enrollment(session, actor.id, course.id)
    if enrollment is None:
        raise AccessDeniedError(ENROLL_FIRST)
    return enrollment


def _require_open(assignment: Assignment, course: Course) -> None:
    if assignment.status == AssignmentStatus.ARCHIVED.value:
        raise AccessDeniedError(ARCHIVED)
    if not (assignment.is_open and course.is_published):
        raise AccessDeniedError(NOT_PUBLISHED)


def _require_on_time_or_accepted(assignment: Assignment, days_late: int) -> None:
    if days_late > 0 and assignment.late_policy == LatePolicy.REFUSE.value:
        raise AccessDeniedError(PAST_DUE)


def _next_version(submission: Submission, assignment: Assignment, days_late: int) -> int:
    """Move the submission to its next version; the days late that version counts."""
    status = SubmissionStatus(submission.status)
    if status is SubmissionStatus.GRADED:
        raise ResourceConflictError(GRADED)
    if status is SubmissionStatus.RETURNED:
        # Rework the instructor asked for: neither refused nor judged late again.
        submission.status = SubmissionStatus.REVISED.value
        submission.version += 1
        return submission.days_late
    limit = assignment.max_submissions
    if limit is not None and submission.version >= limit:
        raise ResourceConflictError(
            f"You have used all {limit} submission(s) of this assignment"
            if limit > 1
            else "A submission already exists for this assignment and enrollment"
        )
    _require_on_time_or_accepted(assignment, days_late)
    submission.version += 1
    return days_late


def _kind(data: SubmissionCreate) -> str:
    sent = [
        kind
        for kind, present in (
            ("text", bool((data.content or "").strip())),
            ("link", data.link_url is not None),
            ("file", bool(data.file_ids)),
        )
        if present
    ]
    return sent[0] if len(sent) == 1 else "mixed"
