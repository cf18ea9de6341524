"""Who sees an assignment and its submissions: the publishing rules of courses and quizzes.

- Managers of the course (its instructor while an instructor, admins) see and change every
  assignment of it, draft and archived ones included, and every submission.
- A student sees the published assignments of a published course they are enrolled in
  (active or completed), and their own submissions.
- Anyone else (another instructor, a student not enrolled) is refused.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.domain.assignments import Assignment, Submission
from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment
from shared.domain.errors import AccessDeniedError, ResourceNotFoundError
from shared.domain.users import Role
from shared.security.permissions import Actor
from shared.services.course_access import LEARNING_STATUSES, is_manager
from shared.services.ids import parse_id

ASSIGNMENT_NOT_FOUND = "Assignment not found"
SUBMISSION_NOT_FOUND = "Submission not found"
NO_ACCESS = "You don't have access to this assignment"
NOT_FOR_STUDENTS = "Assignment is not available to students"
NO_COURSE_ACCESS = "You don't have access to this course's assignments"
NOT_SUBMISSION_VIEWER = "Not authorized to access this submission"


def assignment_with_course(
    session: Session, assignment_id: str | uuid.UUID, *, lock: bool = False
) -> tuple[Assignment, Course]:
    """The assignment and its course in one query (the assignment row locked on request)."""
    statement = (
        select(Assignment, Course)
        .join(Course, Course.id == Assignment.course_id)
        .where(Assignment.id == parse_id(assignment_id, ASSIGNMENT_NOT_FOUND))
    )
    if lock:
        statement = statement.with_for_update(of=Assignment)
    row = session.execute(statement).one_or_none()
    if row is None:
        raise ResourceNotFoundError(ASSIGNMENT_NOT_FOUND)
    return row[0], row[1]


def submission_in_context(
    session: Session, submission_id: str | uuid.UUID, *, lock: bool = False
) -> tuple[Submission, Assignment, Course]:
    """The submission with its assignment and course in one query (the submission row locked
    on request: grading and resubmitting one submission serialize on it)."""
    statement = (
        select(Submission, Assignment, Course)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Submission.id == parse_id(submission_id, SUBMISSION_NOT_FOUND))
    )
    if lock:
        statement = statement.with_for_update(of=Submission)
    row = session.execute(statement).one_or_none()
    if row is None:
        raise ResourceNotFoundError(SUBMISSION_NOT_FOUND)
    return row[0], row[1], row[2]


def learning_enrollment(
    session: Session, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment | None:
    """The student's enrollment in the course while they learn in it (active or completed)."""
    enrollment = session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student_id, Enrollment.course_id == course_id
        )
    )
    if enrollment is None or enrollment.status not in LEARNING_STATUSES:
        return None
    return enrollment


def is_student_of(session: Session, actor: Actor, course: Course) -> bool:
    """A student enrolled (active or completed) in a published course."""
    return (
        actor.role is Role.STUDENT
        and course.is_published
        and learning_enrollment(session, actor.id, course.id) is not None
    )


def require_visible(session: Session, actor: Actor, assignment: Assignment, course: Course) -> None:
    if is_manager(actor, course):
        return
    if not is_student_of(session, actor, course):
        raise AccessDeniedError(NO_ACCESS)
    if not assignment.is_open:
        raise AccessDeniedError(NOT_FOR_STUDENTS)


def require_submission_viewer(actor: Actor, submission: Submission, course: Course) -> None:
    """The submission's student, or a manager of the course."""
    if actor.id == submission.student_id or is_manager(actor, course):
        return
    raise AccessDeniedError(NOT_SUBMISSION_VIEWER)
