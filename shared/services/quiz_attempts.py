"""Taking a quiz: start an attempt, see it, submit it, read results; instructors list the
attempts of their quizzes and grade essay answers; a timer expires abandoned attempts.

- One in-progress attempt per student and quiz: a partial unique index decides when two
  starts race, so the loser gets the same 409 as a start that found the first one.
- With shuffling on, an attempt keeps the question and option order it was started with, so
  a reload shows the same order.
- The time limit is the attempt's deadline_at. A submission after it expires the attempt
  (0 points, not passed) and answers 403; the expiry is committed although the request
  fails. The quiz_attempts_expire timer expires what nobody submits.
- An attempt with answered essays waits in needs_grading until an instructor grades each
  one; then it is graded like the rest. A graded, passed attempt completes the quiz's lesson
  through the progress rules, and every graded attempt announces quiz.submitted (a
  time-expired one does not).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Integer, and_, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment, LessonProgress, ProgressStatus
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.quizzes import (
    OPTION_TYPES,
    AttemptStatus,
    QuestionType,
    Quiz,
    QuizAnswer,
    QuizAttempt,
    QuizQuestion,
)
from shared.domain.users import Role, User
from shared.schemas.enrollments import LessonProgressUpdate
from shared.schemas.quiz_attempts import (
    AnswerGrade,
    AttemptList,
    AttemptResult,
    AttemptsQuery,
    AttemptStarted,
    AttemptSubmit,
    AttemptSummary,
    QuizStartSummary,
    StartView,
)
from shared.schemas.users import Page
from shared.security.permissions import Actor
from shared.services import progress, quizzes
from shared.services.course_access import LEARNING_STATUSES, is_manager, require_manager
from shared.services.quiz_grading import (
    attempt_out,
    grade,
    option_id,
    read_responses,
    result_of,
    round2,
    totals,
)
from shared.services.quiz_questions import attempt_order, public_questions
from shared.services.users import page_count, parse_id, require_actor
from shared.uow import UnitOfWork

audit = logging.getLogger("lms.quiz.audit")

ATTEMPT_NOT_FOUND = "Attempt not found"
ANSWER_NOT_FOUND = "Answer not found"
STUDENTS_ONLY = "Only students can start quiz attempts"
NOT_PUBLISHED = "Quiz is not published"
ARCHIVED = "This quiz is archived and takes no new attempts"
ENROLL_FIRST = "You must enroll in course before attempting quiz"
ENROLLMENT_CLOSED = "Enrollment status does not allow quiz attempts"
MAX_REACHED = "Maximum attempts reached"
IN_PROGRESS = "You already have an in-progress attempt"
ALREADY_SUBMITTED = "Attempt is already submitted"
TIME_EXCEEDED = "Time limit exceeded for this attempt"


class Shuffler(Protocol):
    def shuffle(self, x: list[Any]) -> None: ...


# Replaceable in tests (a seeded random.Random, or anything with shuffle()).
shuffler: Shuffler = secrets.SystemRandom()


def _attempt_order(
    quiz: Quiz, questions: Sequence[Any]
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


def _overdue(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at


def start_attempt(actor: Actor | None, quiz_id: str | uuid.UUID) -> AttemptStarted:
    """Start the caller's next attempt. Statements: the quiz with its course and the caller's
    enrollment (share-locking the quiz against question changes), the latest attempt, the
    questions, the insert."""
    actor = require_actor(actor)
    now = quizzes.clock()
    with UnitOfWork() as uow:
        session = uow.session
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
        # Attempts are numbered 1..n and never deleted one by one, and a new one is never
        # started while one is in progress: the latest tells the count and the open one.
        latest = session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_id == quiz.id)
            .order_by(QuizAttempt.attempt_number.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.status == AttemptStatus.IN_PROGRESS:
            if not _overdue(latest, now):
                raise ResourceConflictError(_in_progress_detail(latest.id))
            expire(latest, now)
        count = latest.attempt_number if latest else 0
        if quiz.max_attempts is not None and count >= quiz.max_attempts:
            uow.commit()  # keep an expiry made just now
            raise AccessDeniedError(MAX_REACHED)
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
        question_order, option_order = _attempt_order(quiz, questions)
        limit = quiz.time_limit_minutes
        attempt = QuizAttempt(
            id=uuid.uuid4(),
            quiz_id=quiz.id,
            enrollment_id=enrollment.id,
            student_id=actor.id,
            attempt_number=count + 1,
            status=AttemptStatus.IN_PROGRESS.value,
            started_at=now,
            deadline_at=now + timedelta(minutes=limit) if limit else None,
            max_score=round2(sum(float(q.points) for q in questions)),
            question_order=question_order,
            option_order=option_order,
        )
        session.add(attempt)
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()
            raise ResourceConflictError(_winner_detail(session, enrollment.id, quiz.id)) from None
        audit.info(
            "quiz_attempt_started quiz=%s attempt=%s enrollment=%s student=%s",
            quiz.id,
            attempt.id,
            enrollment.id,
            actor.id,
        )
        return _started(attempt)


def _in_progress_detail(attempt_id: uuid.UUID) -> str:
    return f"{IN_PROGRESS} ({attempt_id}); submit it before starting another"


def _winner_detail(session: Session, enrollment_id: uuid.UUID, quiz_id: uuid.UUID) -> str:
    """A concurrent start won the race: name its attempt."""
    winner = session.scalar(
        select(QuizAttempt.id).where(
            QuizAttempt.enrollment_id == enrollment_id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.status == AttemptStatus.IN_PROGRESS.value,
        )
    )
    return _in_progress_detail(winner) if winner else f"{IN_PROGRESS}; try again"


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


def start_view(actor: Actor | None, quiz_id: str | uuid.UUID) -> StartView:
    """The quiz as its taker sees it. Students need an enrollment and an open quiz of a
    published course; the course's managers may preview any of its quizzes; nobody else
    (the reference served any quiz to any non-student)."""
    actor = require_actor(actor)
    with UnitOfWork() as uow:
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
        total = round2(sum(float(q.points) for q in questions))
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


def submit_attempt(
    actor: Actor | None,
    quiz_id: str | uuid.UUID,
    attempt_id: str | uuid.UUID,
    data: AttemptSubmit,
) -> AttemptResult:
    """Grade the caller's in-progress attempt. Statements: the attempt (locked) with its
    quiz, the questions, the answers (one multi-row insert), the attempt update, and for a
    graded attempt the outbox row (plus the progress writes of a pass)."""
    actor = require_actor(actor)
    now = quizzes.clock()
    with UnitOfWork() as uow:
        session = uow.session
        attempt, quiz = _attempt_with_quiz(session, quiz_id, attempt_id, lock=True)
        if attempt.student_id != actor.id:
            raise ResourceNotFoundError(ATTEMPT_NOT_FOUND)
        if attempt.status == AttemptStatus.EXPIRED:
            raise AccessDeniedError(TIME_EXCEEDED)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise AccessDeniedError(ALREADY_SUBMITTED)
        if _overdue(attempt, now):
            expire(attempt, now)
            uow.commit()  # the expiry stands although this request fails
            raise AccessDeniedError(TIME_EXCEEDED)
        questions = attempt_order(
            session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)).all(),
            attempt.question_order,
        )
        responses = read_responses({q.id: q for q in questions}, data.answers)
        answers: list[QuizAnswer] = []
        for question in questions:
            response = responses.get(question.id)
            result = grade(question, response, partial_credit=quiz.partial_credit)
            answers.append(
                QuizAnswer(
                    id=uuid.uuid4(),
                    attempt_id=attempt.id,
                    question_id=question.id,
                    selected_option_ids=list(response.selected_option_ids)
                    if response and response.selected_option_ids
                    else None,
                    answer_text=response.answer_text if response else None,
                    numeric_value=response.numeric_value if response else None,
                    is_correct=result.is_correct,
                    points_earned=result.points_earned,
                    needs_grading=result.needs_grading,
                )
            )
        session.add_all(answers)
        attempt.submitted_at = now
        attempt.time_taken_seconds = max(0, int((now - attempt.started_at).total_seconds()))
        if any(a.needs_grading for a in answers):
            attempt.status = AttemptStatus.NEEDS_GRADING.value
        else:
            _finish(uow, actor, attempt, quiz, answers, now)
        uow.commit()
        audit.info(
            "quiz_attempt_submitted quiz=%s attempt=%s enrollment=%s student=%s status=%s "
            "percentage=%s passed=%s",
            quiz.id,
            attempt.id,
            attempt.enrollment_id,
            attempt.student_id,
            attempt.status,
            attempt.percentage,
            attempt.is_passed,
        )
        pairs = list(zip(answers, questions, strict=True))
        return result_of(attempt, pairs, reveal=quiz.show_correct_answers)


def _attempt_with_quiz(
    session: Session,
    quiz_id: str | uuid.UUID,
    attempt_id: str | uuid.UUID,
    *,
    lock: bool = False,
) -> tuple[QuizAttempt, Quiz]:
    query = (
        select(QuizAttempt, Quiz)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.id == parse_id(attempt_id, ATTEMPT_NOT_FOUND),
            QuizAttempt.quiz_id == parse_id(quiz_id, ATTEMPT_NOT_FOUND),
        )
    )
    if lock:
        query = query.with_for_update(of=QuizAttempt)
    row = session.execute(query).one_or_none()
    if row is None:
        raise ResourceNotFoundError(ATTEMPT_NOT_FOUND)
    return row[0], row[1]


def _finish(
    uow: UnitOfWork,
    actor: Actor,
    attempt: QuizAttempt,
    quiz: Quiz,
    answers: Sequence[QuizAnswer],
    now: datetime,
) -> None:
    """Every answer is graded: the totals, quiz.submitted, and a pass completes the lesson."""
    result = totals((a.points_earned for a in answers), attempt.max_score, quiz.passing_score)
    attempt.status = AttemptStatus.GRADED.value
    attempt.graded_at = now
    attempt.score = result.score
    attempt.percentage = result.percentage
    attempt.is_passed = result.is_passed
    submitted_at = attempt.submitted_at or now
    uow.publish(
        "webhooks",
        "quiz.submitted",
        {
            "attempt_id": str(attempt.id),
            "quiz_id": str(quiz.id),
            "enrollment_id": str(attempt.enrollment_id),
            "student_id": str(attempt.student_id),
            "percentage": f"{result.percentage:.2f}",
            "is_passed": result.is_passed,
            "submitted_at": submitted_at.isoformat(),
        },
    )
    if result.is_passed:
        record_lesson_completion(uow, actor, attempt.enrollment_id, quiz.lesson_id, now)


COMPLETED = LessonProgressUpdate(status=ProgressStatus.COMPLETED, completion_percentage=100)


def record_lesson_completion(
    uow: UnitOfWork,
    actor: Actor,
    enrollment_id: uuid.UUID,
    lesson_id: uuid.UUID,
    now: datetime,
) -> None:
    """Complete the quiz's lesson for the enrollment, in this unit of work, by the learning
    core's rules: progress's state machine, its enrollment summary, and a completion of the
    enrollment announced once (the enrollment row locked first, as progress does).

    A stand-in: progress.update_progress opens its own unit of work and takes a request
    body, so these are its steps with its functions. It should become one call of
    shared/services/progress.py: `record_lesson_completion(uow, enrollment_id, lesson_id,
    *, actor, now)`. A dropped enrollment keeps the result but records no progress; a lesson
    already completed needs nothing."""
    session = uow.session
    enrollment = session.get(Enrollment, enrollment_id, with_for_update=True)
    if enrollment is None or enrollment.status in progress.ENDED_STATUSES:
        return
    row = session.execute(
        select(Course.title, Course.total_lessons, LessonProgress)
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
    if row is None:
        return
    course_title, total_lessons, lesson_progress = row
    if lesson_progress is not None and lesson_progress.status == ProgressStatus.COMPLETED:
        return
    if lesson_progress is None:
        lesson_progress = LessonProgress(
            id=uuid.uuid4(), enrollment_id=enrollment.id, lesson_id=lesson_id
        )
        session.add(lesson_progress)
        stored = None
    else:
        stored = ProgressStatus(lesson_progress.status)
    progress.apply_update(lesson_progress, stored, COMPLETED, now)
    session.flush()
    progress.summarize(session, enrollment, total_lessons, now)
    if progress.is_due_for_completion(enrollment):
        learner = progress.learner_of(session, actor, enrollment.student_id)
        progress.complete_enrollment(
            uow, enrollment, course_title=course_title, learner=learner, now=now
        )


def my_attempts(actor: Actor | None, quiz_id: str | uuid.UUID) -> AttemptList:
    """The caller's attempts at the quiz, first to last."""
    actor = require_actor(actor)
    quiz_uuid = parse_id(quiz_id, quizzes.QUIZ_NOT_FOUND)
    with UnitOfWork() as uow:
        session = uow.session
        attempts = session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.quiz_id == quiz_uuid, QuizAttempt.student_id == actor.id)
            .order_by(QuizAttempt.attempt_number)
        ).all()
        if not attempts and session.get(Quiz, quiz_uuid) is None:
            raise ResourceNotFoundError(quizzes.QUIZ_NOT_FOUND)
        return AttemptList([attempt_out(a) for a in attempts])


def get_attempt(
    actor: Actor | None, quiz_id: str | uuid.UUID, attempt_id: str | uuid.UUID
) -> AttemptResult:
    """For its student (answers shown as the quiz allows) and the course's managers."""
    actor = require_actor(actor)
    with UnitOfWork() as uow:
        session = uow.session
        attempt, quiz = _attempt_with_quiz(session, quiz_id, attempt_id)
        reveal = quiz.show_correct_answers
        if attempt.student_id != actor.id:
            course = session.get(Course, quiz.course_id)
            if course is None or not is_manager(actor, course):
                raise ResourceNotFoundError(ATTEMPT_NOT_FOUND)
            reveal = True
        return result_of(attempt, _answers_of(session, attempt), reveal=reveal)


def _answers_of(session: Session, attempt: QuizAttempt) -> list[tuple[QuizAnswer, QuizQuestion]]:
    """The attempt's answers with their questions, in the order the attempt showed."""
    rows = session.execute(
        select(QuizAnswer, QuizQuestion)
        .join(QuizQuestion, QuizQuestion.id == QuizAnswer.question_id)
        .where(QuizAnswer.attempt_id == attempt.id)
        .order_by(QuizQuestion.order_index)
    ).all()
    by_question = {str(q.id): (a, q) for a, q in rows}
    ordered = attempt_order([q for _, q in rows], attempt.question_order)
    return [by_question[str(q.id)] for q in ordered]


def list_attempts(
    actor: Actor | None, quiz_id: str | uuid.UUID, query: AttemptsQuery
) -> Page[AttemptSummary]:
    """The quiz's attempts for its course's managers, newest first: the quiz, COUNT, page."""
    with UnitOfWork() as uow:
        session = uow.session
        row = session.execute(
            select(Quiz, Course)
            .join(Course, Course.id == Quiz.course_id)
            .where(Quiz.id == parse_id(quiz_id, quizzes.QUIZ_NOT_FOUND))
        ).one_or_none()
        if row is None:
            raise ResourceNotFoundError(quizzes.QUIZ_NOT_FOUND)
        quiz, course = row
        require_manager(actor, course, "Not authorized to view attempts for this quiz")
        conditions = [QuizAttempt.quiz_id == quiz.id]
        if query.status is not None:
            conditions.append(QuizAttempt.status == query.status)
        total = session.scalar(select(func.count()).select_from(QuizAttempt).where(*conditions))
        rows = session.execute(
            select(QuizAttempt, User.full_name, User.email)
            .join(User, User.id == QuizAttempt.student_id)
            .where(*conditions)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
            .offset((query.page - 1) * query.page_size)
            .limit(query.page_size)
        ).all()
        items = [
            AttemptSummary(**attempt_out(a).model_dump(), student_name=name, student_email=email)
            for a, name, email in rows
        ]
        return Page[AttemptSummary](
            items=items,
            total=total or 0,
            page=query.page,
            page_size=query.page_size,
            total_pages=page_count(total or 0, query.page_size),
        )


def grade_answer(
    actor: Actor | None,
    quiz_id: str | uuid.UUID,
    attempt_id: str | uuid.UUID,
    question_id: str | uuid.UUID,
    data: AnswerGrade,
) -> AttemptResult:
    """An instructor grades one essay answer of an attempt waiting for grading; the last one
    graded finishes the attempt (totals, quiz.submitted, a pass completes the lesson)."""
    actor = require_actor(actor)
    now = quizzes.clock()
    with UnitOfWork() as uow:
        session = uow.session
        attempt, quiz = _attempt_with_quiz(session, quiz_id, attempt_id, lock=True)
        course = session.get(Course, quiz.course_id)
        assert course is not None  # a quiz's course is never missing (foreign key)
        require_manager(actor, course, "Not authorized to grade attempts for this quiz")
        if attempt.status != AttemptStatus.NEEDS_GRADING:
            raise ResourceConflictError(_not_gradable(attempt.status))
        pairs = _answers_of(session, attempt)
        question_uuid = parse_id(question_id, ANSWER_NOT_FOUND)
        found = next(((a, q) for a, q in pairs if q.id == question_uuid), None)
        if found is None:
            raise ResourceNotFoundError(ANSWER_NOT_FOUND)
        answer, question = found
        if question.question_type != QuestionType.ESSAY:
            raise RuleViolationError("Only essay answers are graded by hand")
        if data.points_earned > float(question.points):
            raise RuleViolationError(
                f"points_earned must be between 0 and {float(question.points):g}"
            )
        answer.points_earned = round2(data.points_earned)
        answer.is_correct = answer.points_earned >= float(question.points)
        answer.needs_grading = False
        answer.feedback = data.feedback
        answer.graded_by = actor.id
        answer.graded_at = now
        if not any(a.needs_grading for a, _ in pairs):
            _finish(uow, actor, attempt, quiz, [a for a, _ in pairs], now)
        uow.commit()
        return result_of(attempt, pairs, reveal=True)


def _not_gradable(status: str) -> str:
    if status == AttemptStatus.IN_PROGRESS:
        return "This attempt has not been submitted yet"
    if status == AttemptStatus.EXPIRED:
        return "This attempt expired before it was submitted; there is nothing to grade"
    return "This attempt is already graded; its result is final"


def _seconds_between(
    session: Session,
    start: InstrumentedAttribute[datetime],
    end: InstrumentedAttribute[datetime | None],
) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.round(func.extract("epoch", end - start)), Integer)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400), Integer)


def expire_overdue(now: datetime | None = None) -> int:
    """Expire every in-progress attempt past its deadline: one UPDATE (the partial index on
    deadline_at finds them). Returns how many."""
    now = now or quizzes.clock()
    with UnitOfWork() as uow:
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
