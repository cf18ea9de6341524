"""Who may see and change a course and its lessons: the rules courses, lessons and
enrollments share.

- A manager of a course is an admin or the instructor who owns it, while they are an
  instructor: the role is read at every request, so a demoted instructor manages nothing.
- A draft course exists only for its managers (others get 403, as in the reference).
- Lesson content of a published course is for its managers and its enrolled students
  (active or completed); everyone else sees the outline and the `is_preview` lessons.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.domain.errors import AccessDeniedError, ResourceNotFoundError
from shared.domain.users import Role
from shared.security.permissions import Actor
from shared.services.ids import parse_id

COURSE_NOT_FOUND = "Course not found"
LEARNING_STATUSES = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.COMPLETED.value)


def load_course(
    session: Session, course_id: str | uuid.UUID, *, for_update: bool = False
) -> Course:
    course = session.get(Course, parse_id(course_id, COURSE_NOT_FOUND), with_for_update=for_update)
    if course is None:
        raise ResourceNotFoundError(COURSE_NOT_FOUND)
    return course


def is_manager(actor: Actor | None, course: Course) -> bool:
    return actor is not None and (actor.is_admin or is_owner(actor, course.instructor_id))


def is_owner(actor: Actor, instructor_id: uuid.UUID) -> bool:
    """The instructor of a course, still an instructor."""
    return actor.role is Role.INSTRUCTOR and actor.id == instructor_id


def require_manager(
    actor: Actor | None, course: Course, detail: str = "Not authorized to manage this course"
) -> None:
    if not is_manager(actor, course):
        raise AccessDeniedError(detail)


def require_visible(
    actor: Actor | None, course: Course, detail: str = "Not authorized to access this course"
) -> None:
    """A draft course is visible to its managers only."""
    if not course.is_published and not is_manager(actor, course):
        raise AccessDeniedError(detail)


def is_learning(session: Session, actor: Actor | None, course: Course) -> bool:
    """Whether the caller is enrolled (active or completed) in the course: one indexed query."""
    if actor is None:
        return False
    status = session.scalar(
        select(Enrollment.status).where(
            Enrollment.student_id == actor.id, Enrollment.course_id == course.id
        )
    )
    return status in LEARNING_STATUSES


def can_read_content(session: Session, actor: Actor | None, course: Course) -> bool:
    """Whether every lesson's content is open to the caller (not only the previews)."""
    return is_manager(actor, course) or (
        course.is_published and is_learning(session, actor, course)
    )
