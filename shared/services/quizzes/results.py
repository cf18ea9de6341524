"""Reading quiz attempts: a student's own attempts and results, and the attempts of a quiz
for its course's managers.

- An attempt is found by its id within its quiz's path; anyone who may not see it gets the
  same 404 as for a missing one, so attempt ids of other students reveal nothing.
- A student's result shows which answers were right as the quiz allows (show_correct_answers,
  and show_correct_answers_after: after each attempt, or only once the student can take no
  other, so one attempt's key never answers the next); the course's managers always see
  everything (see shared/schemas/quiz_attempts.py).
- Answers come back in the order the attempt showed its questions, so a result reads like
  the attempt did.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.errors import ResourceNotFoundError
from shared.domain.quizzes import (
    AnswersShownAfter,
    AttemptStatus,
    Quiz,
    QuizAnswer,
    QuizAttempt,
    QuizQuestion,
)
from shared.domain.users import User
from shared.schemas.pages import Page
from shared.schemas.quiz_attempts import AttemptList, AttemptResult, AttemptsQuery, AttemptSummary
from shared.security.permissions import Actor
from shared.services.course_access import is_manager, require_manager
from shared.services.ids import parse_id
from shared.services.pages import fetch_page
from shared.services.quizzes import authoring as quizzes
from shared.services.quizzes.grading import attempt_out, result_of
from shared.services.quizzes.questions import attempt_order
from shared.uow import UnitOfWork

ATTEMPT_NOT_FOUND = "Attempt not found"


def attempt_with_quiz(
    session: Session,
    quiz_id: str | uuid.UUID,
    attempt_id: str | uuid.UUID,
    *,
    lock: bool = False,
) -> tuple[QuizAttempt, Quiz]:
    """The attempt of that quiz with the quiz (one query). `lock` locks the attempt row for
    a write that changes its status (a submission, a grade), so two of them serialize."""
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


def answers_of(session: Session, attempt: QuizAttempt) -> list[tuple[QuizAnswer, QuizQuestion]]:
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


def my_attempts(uow: UnitOfWork, actor: Actor, quiz_id: str | uuid.UUID) -> AttemptList:
    """The caller's attempts at the quiz, first to last."""
    quiz_uuid = parse_id(quiz_id, quizzes.QUIZ_NOT_FOUND)
    session = uow.session
    attempts = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz_uuid, QuizAttempt.student_id == actor.id)
        .order_by(QuizAttempt.attempt_number)
    ).all()
    # The quiz is looked up only when there is nothing to show: no attempts of a quiz
    # that exists is an empty list, of one that does not a 404.
    if not attempts and session.get(Quiz, quiz_uuid) is None:
        raise ResourceNotFoundError(quizzes.QUIZ_NOT_FOUND)
    return AttemptList([attempt_out(a) for a in attempts])


def get_attempt(
    uow: UnitOfWork, actor: Actor, quiz_id: str | uuid.UUID, attempt_id: str | uuid.UUID
) -> AttemptResult:
    """For its student (answers shown as the quiz allows) and the course's managers."""
    session = uow.session
    attempt, quiz = attempt_with_quiz(session, quiz_id, attempt_id)
    if attempt.student_id != actor.id:
        course = session.get(Course, quiz.course_id)
        if course is None or not is_manager(actor, course):
            raise ResourceNotFoundError(ATTEMPT_NOT_FOUND)
        reveal = True
    else:
        reveal = _student_sees_answers(session, quiz, attempt)
    return result_of(attempt, answers_of(session, attempt), reveal=reveal)


def _student_sees_answers(session: Session, quiz: Quiz, attempt: QuizAttempt) -> bool:
    """Whether the attempt's student may see which answers were right now. Unless the quiz
    decides without it, one statement: how many attempts they used, and whether one is open."""
    each_attempt = quiz.show_correct_answers_after == AnswersShownAfter.EACH_ATTEMPT
    if not quiz.show_correct_answers or each_attempt:
        return quiz.show_correct_answers
    used, open_count = session.execute(
        select(
            func.max(QuizAttempt.attempt_number),
            func.count().filter(QuizAttempt.status == AttemptStatus.IN_PROGRESS.value),
        ).where(
            QuizAttempt.enrollment_id == attempt.enrollment_id,
            QuizAttempt.quiz_id == quiz.id,
        )
    ).one()
    return quiz.shows_answers_to_student(used or 0, attempt_open=bool(open_count))


def list_attempts(
    uow: UnitOfWork, actor: Actor, quiz_id: str | uuid.UUID, query: AttemptsQuery
) -> Page[AttemptSummary]:
    """The quiz's attempts for its course's managers, newest first: the quiz, COUNT, page."""
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
    rows, total = fetch_page(
        session,
        select(QuizAttempt, User.full_name, User.email)
        .join(User, User.id == QuizAttempt.student_id)
        .where(*conditions)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc()),
        query,
    )
    items = [
        AttemptSummary(**attempt_out(a).model_dump(), student_name=name, student_email=email)
        for a, name, email in rows
    ]
    return Page[AttemptSummary].of(items, total, query)
