"""Lesson progress, and the enrollment summary it drives (the reference's §3.10).

A progress write (PUT .../progress, POST .../complete) runs in one transaction: the
enrollment row is locked (SELECT ... FOR UPDATE; SQLite's BEGIN IMMEDIATE serializes writers
anyway), the lesson progress row is inserted or updated, the summary is recomputed from the
progress rows with one aggregate query, and a completion is decided under that lock, so two
lessons finished at the same moment complete the enrollment once and announce it once.
Other writers (a passed quiz) take the same steps in their own transaction through
record_lesson_completion.

The state machine of one lesson's progress:
- fields left out keep the stored value; with no stored row the status defaults to in_progress;
- completed → not_started / in_progress is refused (400);
- not_started with a positive percentage, time or position becomes in_progress;
- completed, or a percentage ≥ 100 → completed at 100 %, completed_at (and started_at) set once;
- not_started → 0 %, timestamps cleared; in_progress → started_at set once, completed_at cleared;
- time_spent_seconds and last_position_seconds are absolute values, not increments;
- a lesson with an open quiz (published, not archived) is completed only by passing the quiz,
  and one with a published assignment only by a graded submission (record_lesson_completion):
  an update that would complete it is refused (400), so neither the lesson nor the course can
  be completed around the quiz or the assignment.

The summary: total = courses.total_lessons (every lesson of the course); completed = progress
rows with status completed; percentage = completed / total * 100 rounded half-up to 0.01
(0 without lessons, at most 100); time = the sum of the lessons' time.

Completion is sticky. An active enrollment with total > 0 and completed ≥ total becomes
completed once: completed_at is set, and `enrollment.completed` goes to the progress queue
(course figures, then the certificate) and to the webhooks queue, with the completion e-mail.
Lessons added later update the counts and the percentage but never revert a completed
enrollment (the reference reverted it and cleared completed_at while the certificate stayed):
what was earned stays earned, and each completion is announced exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from shared.domain.assignments import Assignment, AssignmentStatus
from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment, EnrollmentStatus, LessonProgress, ProgressStatus
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.quizzes import Quiz
from shared.domain.rounding import two_places
from shared.domain.users import User
from shared.messages.emails import CourseCompletedEmail
from shared.messages.events import EnrollmentCompleted
from shared.schemas.enrollments import LessonProgressOut, LessonProgressUpdate
from shared.security.permissions import Actor
from shared.services.ids import parse_id
from shared.uow import UnitOfWork

ENROLLMENT_NOT_FOUND = "Enrollment not found"
LESSON_NOT_IN_COURSE = "Lesson not found in this enrollment's course"
NOT_EDITOR = "Not authorized to update this enrollment progress"
NO_DOWNGRADE = "Completed lesson progress cannot be downgraded"
QUIZ_GATED = "This lesson has a quiz: it is completed by passing the quiz, not marked complete"
ASSIGNMENT_GATED = (
    "This lesson has an assignment: it is completed when the assignment is graded, "
    "not marked complete"
)
ENROLLMENT_ENDED = "This enrollment was dropped; enroll in the course again to continue"
ENDED_STATUSES = (EnrollmentStatus.DROPPED.value, EnrollmentStatus.EXPIRED.value)


@dataclass(frozen=True)
class Learner:
    """The student an e-mail about an enrollment goes to."""

    email: str
    full_name: str


def require_open(enrollment: Enrollment) -> None:
    """A dropped (or expired) enrollment takes no progress or review until re-enrollment."""
    if enrollment.status in ENDED_STATUSES:
        raise ResourceConflictError(ENROLLMENT_ENDED)


def percentage(completed: int, total: int) -> float:
    """completed / total as a percentage, half-up to two places (as SQL's round on numeric)."""
    if total <= 0:
        return 0.0
    if completed >= total:
        return 100.0
    return two_places(Decimal(completed) * 100 / Decimal(total))


def apply_update(
    progress: LessonProgress,
    stored: ProgressStatus | None,
    data: LessonProgressUpdate,
    now: datetime,
) -> None:
    """The state machine above, applied to `progress` (`stored`: its status, None if new)."""
    if (
        stored is ProgressStatus.COMPLETED
        and data.status is not None
        and data.status is not ProgressStatus.COMPLETED
    ):
        raise RuleViolationError(NO_DOWNGRADE)
    status = data.status or stored or ProgressStatus.IN_PROGRESS
    percent = _given(data.completion_percentage, progress.completion_percentage)
    spent = _given(data.time_spent_seconds, progress.time_spent_seconds)
    position = _given(data.last_position_seconds, progress.last_position_seconds)
    if status is ProgressStatus.NOT_STARTED and (percent > 0 or spent > 0 or position > 0):
        status = ProgressStatus.IN_PROGRESS
    if status is ProgressStatus.COMPLETED or percent >= 100:
        status, percent = ProgressStatus.COMPLETED, 100.0
        progress.completed_at = progress.completed_at or now
        progress.started_at = progress.started_at or now
    elif status is ProgressStatus.NOT_STARTED:
        percent = 0.0
        progress.started_at = progress.completed_at = None
    else:
        progress.started_at = progress.started_at or now
        progress.completed_at = None
    progress.status = status.value
    progress.completion_percentage = percent
    progress.time_spent_seconds = int(spent)
    progress.last_position_seconds = int(position)
    if data.notes is not None:
        progress.notes = data.notes
    progress.updated_at = now


def _given(value: float | None, stored: float | None) -> float:
    return value if value is not None else (stored or 0)


def summarize(session: Session, enrollment: Enrollment, total_lessons: int, now: datetime) -> None:
    """Recompute the enrollment's summary from its progress rows (flushed): one query."""
    completed, spent = session.execute(
        select(
            func.count(case((LessonProgress.status == ProgressStatus.COMPLETED.value, 1))),
            func.coalesce(func.sum(LessonProgress.time_spent_seconds), 0),
        ).where(LessonProgress.enrollment_id == enrollment.id)
    ).one()
    enrollment.total_lessons_count = total_lessons
    enrollment.completed_lessons_count = int(completed)
    enrollment.progress_percentage = percentage(int(completed), total_lessons)
    enrollment.total_time_spent_seconds = int(spent)
    enrollment.last_accessed_at = now
    enrollment.updated_at = now


def is_due_for_completion(enrollment: Enrollment) -> bool:
    return (
        enrollment.status == EnrollmentStatus.ACTIVE.value
        and enrollment.total_lessons_count > 0
        and enrollment.completed_lessons_count >= enrollment.total_lessons_count
    )


def complete_enrollment(
    uow: UnitOfWork, enrollment: Enrollment, *, course_title: str, learner: Learner
) -> None:
    """The active → completed transition and its announcements, at the unit of work's time;
    the caller holds the row lock and has checked `is_due_for_completion`."""
    now = uow.clock()
    enrollment.status = EnrollmentStatus.COMPLETED.value
    enrollment.completed_at = now
    enrollment.updated_at = now
    # One event, to the progress queue (course figures, then the certificate) and to webhooks.
    uow.publish(
        EnrollmentCompleted(
            enrollment_id=enrollment.id,
            student_id=enrollment.student_id,
            course_id=enrollment.course_id,
            completed_at=now,
        )
    )
    uow.publish(
        CourseCompletedEmail(
            to=learner.email,
            full_name=learner.full_name,
            course_id=enrollment.course_id,
            course_title=course_title,
        )
    )


def learner_of(session: Session, actor: Actor, student_id: uuid.UUID) -> Learner:
    """The student's address: from the row read to authenticate them when they are the
    caller, else one query (an admin acting for the student)."""
    if actor.id == student_id and actor.user is not None:
        return Learner(actor.user.email, actor.user.full_name)
    email, full_name = session.execute(
        select(User.email, User.full_name).where(User.id == student_id)
    ).one()
    return Learner(email, full_name)


LESSON_COMPLETED = LessonProgressUpdate(status=ProgressStatus.COMPLETED, completion_percentage=100)


def _locked_enrollment(session: Session, enrollment_id: uuid.UUID) -> Enrollment | None:
    """Progress writes and completion decisions of one enrollment serialize on this lock."""
    return session.get(Enrollment, enrollment_id, with_for_update=True)


@dataclass(frozen=True)
class _CourseLesson:
    lesson_id: uuid.UUID
    course_title: str
    total_lessons: int
    progress: LessonProgress | None
    gated: bool  # an open (published, not archived) quiz: only a passing attempt completes it
    assigned: bool  # a published assignment: only a graded submission completes it


def _course_lesson(
    session: Session, enrollment: Enrollment, lesson_id: uuid.UUID
) -> _CourseLesson | None:
    """The lesson with its course's title, total, the stored progress and whether an open quiz
    or a published assignment gates it; None: not in it."""
    open_quiz = (
        exists()
        .where(Quiz.lesson_id == Lesson.id, Quiz.is_published.is_(True), Quiz.archived_at.is_(None))
        .correlate(Lesson)
    )
    open_assignment = (
        exists()
        .where(
            Assignment.lesson_id == Lesson.id,
            Assignment.status == AssignmentStatus.PUBLISHED.value,
        )
        .correlate(Lesson)
    )
    row = session.execute(
        select(Course.title, Course.total_lessons, LessonProgress, open_quiz, open_assignment)
        .select_from(Lesson)
        .join(Course, Course.id == Lesson.course_id)
        .outerjoin(
            LessonProgress,
            and_(
                LessonProgress.lesson_id == Lesson.id,
                LessonProgress.enrollment_id == enrollment.id,
            ),
        )
        .where(Lesson.id == lesson_id, Lesson.course_id == enrollment.course_id)
    ).one_or_none()
    return None if row is None else _CourseLesson(lesson_id, *row)


def _record(
    uow: UnitOfWork,
    actor: Actor,
    enrollment: Enrollment,
    lesson: _CourseLesson,
    data: LessonProgressUpdate,
) -> LessonProgress:
    """Apply the update to the lesson's progress, recompute the summary and complete the
    enrollment when due; the caller holds the enrollment's lock."""
    session = uow.session
    now = uow.clock()
    progress = lesson.progress
    stored = None if progress is None else ProgressStatus(progress.status)
    if progress is None:
        progress = LessonProgress(
            id=uuid.uuid4(), enrollment_id=enrollment.id, lesson_id=lesson.lesson_id
        )
        session.add(progress)
    apply_update(progress, stored, data, now)
    session.flush()
    summarize(session, enrollment, lesson.total_lessons, now)
    if is_due_for_completion(enrollment):
        learner = learner_of(session, actor, enrollment.student_id)
        complete_enrollment(uow, enrollment, course_title=lesson.course_title, learner=learner)
    return progress


def update_progress(
    uow: UnitOfWork,
    actor: Actor,
    enrollment_id: str | uuid.UUID,
    lesson_id: str | uuid.UUID,
    data: LessonProgressUpdate,
) -> LessonProgressOut:
    """Record one lesson's progress for the enrollment's student (the student or an admin).

    Statements: the locked enrollment, the lesson with its course total and stored progress
    (one joined query), the progress insert/update, the aggregate, the enrollment update;
    a completion adds the outbox rows (and the student's address if an admin acts)."""
    session = uow.session
    enrollment = _locked_enrollment(session, parse_id(enrollment_id, ENROLLMENT_NOT_FOUND))
    if enrollment is None:
        raise ResourceNotFoundError(ENROLLMENT_NOT_FOUND)
    if not (actor.is_admin or actor.id == enrollment.student_id):
        raise AccessDeniedError(NOT_EDITOR)
    require_open(enrollment)
    lesson = _course_lesson(session, enrollment, parse_id(lesson_id, LESSON_NOT_IN_COURSE))
    if lesson is None:
        raise ResourceNotFoundError(LESSON_NOT_IN_COURSE)
    gated = lesson.gated or lesson.assigned
    if gated and _completes(data) and not _is_completed(lesson.progress):
        raise RuleViolationError(QUIZ_GATED if lesson.gated else ASSIGNMENT_GATED)
    progress = _record(uow, actor, enrollment, lesson, data)
    uow.commit()
    return LessonProgressOut.model_validate(progress)


def _completes(data: LessonProgressUpdate) -> bool:
    """Whether the update would complete the lesson (the state machine above)."""
    return data.status is ProgressStatus.COMPLETED or (data.completion_percentage or 0) >= 100


def _is_completed(progress: LessonProgress | None) -> bool:
    return progress is not None and progress.status == ProgressStatus.COMPLETED.value


def complete_lesson(
    uow: UnitOfWork, actor: Actor, enrollment_id: str | uuid.UUID, lesson_id: str | uuid.UUID
) -> LessonProgressOut:
    """Mark one lesson completed: the progress update with status completed at 100 %."""
    return update_progress(uow, actor, enrollment_id, lesson_id, LESSON_COMPLETED)


def record_lesson_completion(
    uow: UnitOfWork, enrollment_id: uuid.UUID, lesson_id: uuid.UUID, *, actor: Actor
) -> None:
    """Complete a lesson as a side effect of another write (a passed quiz), in the caller's
    unit of work (at its clock's time), which commits. The routes' steps, but nothing is
    refused: the caller's own write stands, so an ended enrollment, a lesson not in the course
    or one already completed just records nothing. `actor` may be an instructor grading (see
    learner_of)."""
    session = uow.session
    enrollment = _locked_enrollment(session, enrollment_id)
    if enrollment is None or enrollment.status in ENDED_STATUSES:
        return
    lesson = _course_lesson(session, enrollment, lesson_id)
    if lesson is None:
        return
    if _is_completed(lesson.progress):
        return
    _record(uow, actor, enrollment, lesson, LESSON_COMPLETED)
