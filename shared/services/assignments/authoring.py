"""Assignments of a course: create, read, list, change, delete.

- The course's managers (its instructor, admins) create and change assignments; students and
  other instructors read what access.py lets them.
- `status` is draft, published or archived; `is_published` follows it (true exactly when
  published). Sending `is_published: true` publishes, `false` takes a published one back to
  draft. An archived assignment is hidden from students and takes no submissions.
- `late_policy` penalty needs `late_penalty_percent` (per day late); the other policies have
  none. An assignment may be attached to one lesson of its course (one assignment per
  lesson): its graded submissions complete that lesson.
- `max_points` is the scale of every grade: it cannot change once a submission is graded.
- An assignment with submissions is never deleted (the students' work would go with it):
  archive it instead.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.domain.assignments import Assignment, AssignmentStatus, LatePolicy, Submission
from shared.domain.courses import Lesson
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.schemas.assignments import (
    AssignmentCreate,
    AssignmentList,
    AssignmentOut,
    AssignmentUpdate,
    SliceQuery,
)
from shared.security.permissions import Actor
from shared.services.assignments.access import (
    NO_COURSE_ACCESS,
    assignment_with_course,
    is_student_of,
    require_visible,
)
from shared.services.assignments.views import assignment_out
from shared.services.course_access import is_manager, load_course, require_manager
from shared.services.pages import fetch_slice
from shared.uow import UnitOfWork

NOT_CREATOR = "You don't have permission to create assignments for this course"
NOT_EDITOR = "You don't have permission to update this assignment"
NOT_DELETER = "You don't have permission to delete this assignment"
LESSON_NOT_IN_COURSE = "Lesson not found in this course"
LESSON_HAS_ASSIGNMENT = "Lesson already has an assignment"
HAS_SUBMISSIONS = "This assignment has submissions; archive it instead (status: archived)"
POINTS_FROZEN = "This assignment has graded submissions; its max_points can no longer change"
PENALTY_NEEDED = "late_policy 'penalty' needs late_penalty_percent (the share lost per day late)"
PENALTY_UNUSED = "late_penalty_percent applies only with late_policy 'penalty'"
NEVER_NULL = ("title", "max_points", "status", "is_published", "late_policy")


def create_assignment(uow: UnitOfWork, actor: Actor, data: AssignmentCreate) -> AssignmentOut:
    now = uow.clock()
    session = uow.session
    course = load_course(session, data.course_id)
    require_manager(actor, course, NOT_CREATOR)
    if data.lesson_id is not None:
        _require_free_lesson(session, course.id, data.lesson_id, None)
    status = data.status
    if data.is_published and status is AssignmentStatus.DRAFT:
        status = AssignmentStatus.PUBLISHED
    penalty = _late_penalty(data.late_policy, data.late_penalty_percent)
    published = status is AssignmentStatus.PUBLISHED
    assignment = Assignment(
        id=uuid.uuid4(),
        course_id=course.id,
        lesson_id=data.lesson_id,
        instructor_id=course.instructor_id,
        title=data.title,
        description=data.description,
        instructions=data.instructions,
        due_date=data.due_date,
        max_points=data.max_points,
        grading_type=data.grading_type,
        metadata_=data.assignment_metadata,
        status=status.value,
        is_published=published,
        late_policy=data.late_policy.value,
        late_penalty_percent=penalty,
        max_submissions=data.max_submissions,
        published_at=now if published else None,
        created_at=now,
        updated_at=now,
    )
    session.add(assignment)
    _commit(uow)
    return assignment_out(assignment)


def get_assignment(uow: UnitOfWork, actor: Actor, assignment_id: str | uuid.UUID) -> AssignmentOut:
    assignment, course = assignment_with_course(uow.session, assignment_id)
    require_visible(uow.session, actor, assignment, course)
    return assignment_out(assignment)


def list_assignments(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, query: SliceQuery
) -> AssignmentList:
    """The course's assignments, soonest due first (those without a due date last)."""
    session = uow.session
    course = load_course(session, course_id)
    statement = select(Assignment).where(Assignment.course_id == course.id)
    if not is_manager(actor, course):
        if not is_student_of(session, actor, course):
            raise AccessDeniedError(NO_COURSE_ACCESS)
        statement = statement.where(Assignment.status == AssignmentStatus.PUBLISHED.value)
    statement = statement.order_by(
        Assignment.due_date.is_(None),
        Assignment.due_date,
        Assignment.created_at,
        Assignment.id,
    )
    rows, total = fetch_slice(session, statement, query.skip, query.limit)
    return AssignmentList(
        assignments=[assignment_out(row[0]) for row in rows],
        total=total,
        page=query.skip // query.limit + 1,
        page_size=query.limit,
    )


def update_assignment(
    uow: UnitOfWork, actor: Actor, assignment_id: str | uuid.UUID, data: AssignmentUpdate
) -> AssignmentOut:
    given = data.model_fields_set
    for field in NEVER_NULL:
        if field in given and getattr(data, field) is None:
            raise RuleViolationError(f"{field} cannot be null")
    now = uow.clock()
    session = uow.session
    assignment, course = assignment_with_course(session, assignment_id, lock=True)
    require_manager(actor, course, NOT_EDITOR)
    if "lesson_id" in given and data.lesson_id not in (None, assignment.lesson_id):
        _require_free_lesson(session, course.id, data.lesson_id, assignment.id)
    changes_scale = data.max_points is not None and data.max_points != assignment.max_points
    if changes_scale and _has_submissions(session, assignment.id, graded_only=True):
        raise ResourceConflictError(POINTS_FROZEN)
    simple = (
        "lesson_id",
        "title",
        "description",
        "instructions",
        "due_date",
        "max_points",
        "grading_type",
        "max_submissions",
    )
    for field in simple:
        if field in given:
            setattr(assignment, field, getattr(data, field))
    if "assignment_metadata" in given:
        assignment.metadata_ = data.assignment_metadata
    policy = data.late_policy or LatePolicy(assignment.late_policy)
    percent = (
        data.late_penalty_percent
        if "late_penalty_percent" in given
        else (assignment.late_penalty_percent if policy is LatePolicy.PENALTY else None)
    )
    assignment.late_policy = policy.value
    assignment.late_penalty_percent = _late_penalty(policy, percent)
    _apply_status(assignment, _new_status(assignment, data), now)
    assignment.updated_at = now
    _commit(uow)
    return assignment_out(assignment)


def delete_assignment(uow: UnitOfWork, actor: Actor, assignment_id: str | uuid.UUID) -> None:
    session = uow.session
    assignment, course = assignment_with_course(session, assignment_id, lock=True)
    require_manager(actor, course, NOT_DELETER)
    if _has_submissions(session, assignment.id):
        raise ResourceConflictError(HAS_SUBMISSIONS)
    session.delete(assignment)
    uow.commit()


def _new_status(assignment: Assignment, data: AssignmentUpdate) -> AssignmentStatus:
    if data.status is not None:
        return data.status
    current = AssignmentStatus(assignment.status)
    if data.is_published is True:
        return AssignmentStatus.PUBLISHED
    if data.is_published is False and current is AssignmentStatus.PUBLISHED:
        return AssignmentStatus.DRAFT
    return current


def _apply_status(assignment: Assignment, status: AssignmentStatus, now: datetime) -> None:
    assignment.status = status.value
    assignment.is_published = status is AssignmentStatus.PUBLISHED
    if assignment.is_published and assignment.published_at is None:
        assignment.published_at = now


def _late_penalty(policy: LatePolicy, percent: float | None) -> float | None:
    if policy is LatePolicy.PENALTY and percent is None:
        raise RuleViolationError(PENALTY_NEEDED)
    if policy is not LatePolicy.PENALTY and percent is not None:
        raise RuleViolationError(PENALTY_UNUSED)
    return percent


def _require_free_lesson(
    session: Session,
    course_id: uuid.UUID,
    lesson_id: uuid.UUID,
    assignment_id: uuid.UUID | None,
) -> None:
    """The lesson is in the course and has no other assignment: one query."""
    row = session.execute(
        select(Lesson.course_id, Assignment.id)
        .outerjoin(Assignment, Assignment.lesson_id == Lesson.id)
        .where(Lesson.id == lesson_id)
    ).first()
    if row is None or row[0] != course_id:
        raise ResourceNotFoundError(LESSON_NOT_IN_COURSE)
    if row[1] is not None and row[1] != assignment_id:
        raise ResourceConflictError(LESSON_HAS_ASSIGNMENT)


def _has_submissions(
    session: Session, assignment_id: uuid.UUID, *, graded_only: bool = False
) -> bool:
    condition = Submission.assignment_id == assignment_id
    if graded_only:
        condition = condition & Submission.grade.is_not(None)
    return bool(session.scalar(select(exists().where(condition))))


def _commit(uow: UnitOfWork) -> None:
    """Commit; losing a race for the lesson is the same 409 as the check before."""
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise ResourceConflictError(LESSON_HAS_ASSIGNMENT) from None
