"""Taking a quiz: start an attempt and see the quiz as its taker; a timer expires the
attempts nobody submits. Submitting is in submissions.py, reading results in results.py,
grading essays in essays.py.

- One in-progress attempt per student and quiz: a partial unique index decides when two
  starts race, so the loser gets the same 403 as a start that found the first one (the
  reference's status and words; GET .../attempts/start names the open attempt).
- With shuffling on, an attempt keeps the question and option order it was started with, so
  a reload shows the same order.
- The time limit is the attempt's deadline_at. An attempt past it is expired (0 points, not
  passed, nothing announced) by whichever comes first: the next start, a submission, or the
  quiz_attempts_expire timer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Integer, and_, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment
from shared.domain.errors import AccessDeniedError, ResourceNotFoundError
from shared.domain.quizzes import (
    OPTION_TYPES,
    AttemptStatus,
    QuestionType,
    Quiz,
    QuizAttempt,
    QuizQuestion,
)
from shared.domain.rounding import two_places
from shared.domain.users import Role
from shared.schemas.quiz_attempts import AttemptStarted, QuizStartSummary, StartView
from shared.security.permissions import Actor
from shared.services.course_access import LEARNING_STATUSES, is_manager
from shared.services.ids import parse_id
from shared.services.quizzes import authoring as quizzes
from shared.services.quizzes.grading import option_id
from shared.services.quizzes.questions import public_questions
from shared.uow import UnitOfWork

audit = logging.getLogger("lms.quiz.audit")

STUDENTS_ONLY = "Only students can start quiz attempts"
NOT_PUBLISHED = "Quiz is not published"
ARCHIVED = "This quiz is archived and takes no new attempts"
ENROLL_FIRST = "You must enroll in course before attempting quiz"
ENROLLMENT_CLOSED = "Enrollment status does not allow quiz attempts"
MAX_REACHED = "Maximum attempts reached"
IN_PROGRESS = "You already have an in-progress attempt"


class Shuffler(Protocol):
    """Shuffles in place: deps.shuffler, a random.Random (tests pass a predictable one)."""

    def shuffle(self, x: list[Any]) -> None: ...


def _attempt_order(
    quiz: Quiz, questions: Sequence[Any], shuffler: Shuffler
) -> tuple[list[str] | None, dict[str, list[str]] | None]:
    """The order this attempt will show, when the quiz shuffles (None: canonical)."""
    question_order = None
    if quiz.shuffle_questions:
        question_order = [str(q.id) for q in questions]
        shuffler.shuffle(question_order)
    option_order: dict[str, list[str]] = {}
    if quiz.shuffle_options:
        for q in questions:
            if QuestionType(q.question_type) in OPTION_TYPES:
                ids = [option_id(o) for o in q.options or []]
                shuffler.shuffle(ids)
                option_order[str(q.id)] = ids
    return question_order, option_order or None


def start_attempt(
    uow: UnitOfWork, actor: Actor, quiz_id: str | uuid.UUID, *, shuffler: Shuffler
) -> AttemptStarted:
    """Start the caller's next attempt. Statements: the quiz with its course and the caller's
    enrollment (share-locking the quiz against question changes), the latest attempt, the
    questions, the insert."""
    now = uow.clock()
    session = uow.session
    quiz, enrollment = _quiz_to_start(session, actor, quiz_id)
    # Attempts are numbered 1..n and never deleted one by one, and a new one is never
    # started while one is in progress: the latest tells the count and the open one.
    latest = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_id == quiz.id)
        .order_by(QuizAttempt.attempt_number.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.status == AttemptStatus.IN_PROGRESS:
        if not is_overdue(latest, now):
            raise AccessDeniedError(IN_PROGRESS)
        expire(latest, now)
    count = latest.attempt_number if latest else 0
    if quiz.max_attempts is not None and count >= quiz.max_attempts:
        uow.commit()  # keep an expiry made just now
        raise AccessDeniedError(MAX_REACHED)
    attempt = _new_attempt(session, quiz, enrollment, count + 1, now, shuffler)
    session.add(attempt)
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise AccessDeniedError(IN_PROGRESS) from None
    audit.info(
        "quiz_attempt_started quiz=%s attempt=%s enrollment=%s student=%s",
        quiz.id,
        attempt.id,
        enrollment.id,
        actor.id,
    )
    return _started(attempt)


def _quiz_to_start(
    session: Session, actor: Actor, quiz_id: str | uuid.UUID
) -> tuple[Quiz, Enrollment]:
    """The quiz and the caller's enrollment in its course, in one statement that share-locks
    the quiz against question changes, once the caller may start an attempt at it."""
    row = session.execute(
        select(Quiz, Course.is_published, Enrollment)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(
            Enrollment,
            and_(Enrollment.course_id == Quiz.course_id, Enrollment.student_id == actor.id),
        )
        .where(Quiz.id == parse_id(quiz_id, quizzes.QUIZ_NOT_FOUND))
        .with_for_update(of=Quiz, read=True)
    ).one_or_none()
    if row is None:
        raise ResourceNotFoundError(quizzes.QUIZ_NOT_FOUND)
    quiz, course_published, enrollment = row
    return quiz, _ensure_may_start(actor, quiz, course_published, enrollment)


def _ensure_may_start(
    actor: Actor, quiz: Quiz, course_published: bool, enrollment: Enrollment | None
) -> Enrollment:
    """The caller's enrollment when a student of the course may start the quiz: the quiz
    open in a published course and the enrollment active or completed; 403 otherwise."""
    if actor.role is not Role.STUDENT:
        raise AccessDeniedError(STUDENTS_ONLY)
    if not (quiz.is_published and course_published):
        raise AccessDeniedError(NOT_PUBLISHED)
    if quiz.archived_at is not None:
        raise AccessDeniedError(ARCHIVED)
    if enrollment is None:
        raise AccessDeniedError(ENROLL_FIRST)
    if enrollment.status not in LEARNING_STATUSES:
        raise AccessDeniedError(ENROLLMENT_CLOSED)
    return enrollment


def _new_attempt(
    session: Session,
    quiz: Quiz,
    enrollment: Enrollment,
    number: int,
    now: datetime,
    shuffler: Shuffler,
) -> QuizAttempt:
    """Attempt `number`, in progress from `now`, worth the quiz's points, in the order it will
    keep (one statement: the questions)."""
    questions = session.execute(
        select(
            QuizQuestion.id,
            QuizQuestion.question_type,
            QuizQuestion.points,
            QuizQuestion.options,
        )
        .where(QuizQuestion.quiz_id == quiz.id)
        .order_by(QuizQuestion.order_index)
    ).all()
    question_order, option_order = _attempt_order(quiz, questions, shuffler)
    limit = quiz.time_limit_minutes
    return QuizAttempt(
        id=uuid.uuid4(),
        quiz_id=quiz.id,
        enrollment_id=enrollment.id,
        student_id=enrollment.student_id,
        attempt_number=number,
        status=AttemptStatus.IN_PROGRESS.value,
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
        max_score=two_places(sum(float(q.points) for q in questions)),
        question_order=question_order,
        option_order=option_order,
    )


def _started(attempt: QuizAttempt) -> AttemptStarted:
    return AttemptStarted(
        id=attempt.id,
        quiz_id=attempt.quiz_id,
        attempt_number=attempt.attempt_number,
        status=attempt.status,
        started_at=attempt.started_at,
        deadline_at=attempt.deadline_at,
        max_score=attempt.max_score,
    )


def start_view(uow: UnitOfWork, actor: Actor, quiz_id: str | uuid.UUID) -> StartView:
    """The quiz as its taker sees it. Students need an enrollment and an open quiz of a
    published course; the course's managers may preview any of its quizzes; nobody else
    (the reference served any quiz to any non-student)."""
    session = uow.session
    row = session.execute(
        select(Quiz, Course, Enrollment.status)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(
            Enrollment,
            and_(Enrollment.course_id == Quiz.course_id, Enrollment.student_id == actor.id),
        )
        .where(Quiz.id == parse_id(quiz_id, quizzes.QUIZ_NOT_FOUND))
    ).one_or_none()
    if row is None:
        raise ResourceNotFoundError(quizzes.QUIZ_NOT_FOUND)
    quiz, course, enrollment_status = row
    attempt = None
    if not is_manager(actor, course):
        if actor.role is not Role.STUDENT:
            raise AccessDeniedError(quizzes.NOT_AUTHORIZED_QUIZ)
        if not (quiz.is_open and course.is_published):
            raise AccessDeniedError(NOT_PUBLISHED)
        if enrollment_status not in LEARNING_STATUSES:
            raise AccessDeniedError(ENROLL_FIRST)
        attempt = session.scalar(
            select(QuizAttempt).where(
                QuizAttempt.quiz_id == quiz.id,
                QuizAttempt.student_id == actor.id,
                QuizAttempt.status == AttemptStatus.IN_PROGRESS.value,
            )
        )
    questions = list(
        session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.quiz_id == quiz.id)
            .order_by(QuizQuestion.order_index)
        )
    )
    total = two_places(sum(float(q.points) for q in questions))
    return StartView(
        quiz=QuizStartSummary(
            id=quiz.id,
            title=quiz.title,
            time_limit_minutes=quiz.time_limit_minutes,
            total_questions=len(questions),
            total_points=f"{total:.2f}",
        ),
        questions=public_questions(
            questions,
            attempt.question_order if attempt else None,
            attempt.option_order if attempt else None,
        ),
        attempt=_started(attempt) if attempt else None,
    )


def expire(attempt: QuizAttempt, now: datetime) -> None:
    """Close an attempt whose time ran out: 0 points, not passed, nothing announced."""
    end = min(now, attempt.deadline_at) if attempt.deadline_at else now
    attempt.status = AttemptStatus.EXPIRED.value
    attempt.score = 0.0
    attempt.percentage = 0.0
    attempt.is_passed = False
    attempt.graded_at = now
    attempt.time_taken_seconds = max(0, int((end - attempt.started_at).total_seconds()))
    audit.info(
        "quiz_attempt_expired quiz=%s attempt=%s enrollment=%s student=%s",
        attempt.quiz_id,
        attempt.id,
        attempt.enrollment_id,
        attempt.student_id,
    )


def is_overdue(attempt: QuizAttempt, now: datetime) -> bool:
    """Past its deadline: a start or a submission that finds it so expires it first."""
    return attempt.deadline_at is not None and now > attempt.deadline_at


def _seconds_between(
    session: Session,
    start: InstrumentedAttribute[datetime],
    end: InstrumentedAttribute[datetime | None],
) -> Any:
    """`end - start` in whole seconds, in SQL: the dialects spell date arithmetic apart."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.round(func.extract("epoch", end - start)), Integer)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400), Integer)


def expire_overdue(uow: UnitOfWork) -> int:
    """Expire every in-progress attempt past its deadline: one UPDATE (the partial index on
    deadline_at finds them), committed. Returns how many."""
    now = uow.clock()
    session = uow.session
    result = session.execute(
        update(QuizAttempt)
        .where(
            QuizAttempt.status == AttemptStatus.IN_PROGRESS.value,
            QuizAttempt.deadline_at < now,
        )
        .values(
            status=AttemptStatus.EXPIRED.value,
            score=0,
            percentage=0,
            is_passed=False,
            graded_at=now,
            time_taken_seconds=_seconds_between(
                session, QuizAttempt.started_at, QuizAttempt.deadline_at
            ),
        )
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    expired = int(result.rowcount)  # type: ignore[attr-defined]
    if expired:
        audit.info("quiz_attempt_expired count=%d (past their deadline)", expired)
    return expired
