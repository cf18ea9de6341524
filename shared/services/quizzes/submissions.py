"""Submitting a quiz attempt, and the outcome of an attempt once every answer is graded.

- Only the attempt's student submits it, once, while it is in progress. A submission after
  the deadline expires the attempt (0 points, not passed) and answers 403; the expiry is
  committed although the request fails.
- Every answer is graded on submission except essays: an attempt with answered essays waits
  in needs_grading until an instructor grades each one (essays.py), and is then
  finished like the rest.
- A finished attempt announces quiz.submitted on the webhooks queue (a time-expired one does
  not), and a pass completes the quiz's lesson through the progress rules, in the same
  transaction, so the enrollment can complete with it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from shared.domain.errors import AccessDeniedError, ResourceNotFoundError
from shared.domain.quizzes import AttemptStatus, Quiz, QuizAnswer, QuizAttempt, QuizQuestion
from shared.messages.events import QuizGraded, QuizSubmitted
from shared.schemas.quiz_attempts import AttemptResult, AttemptSubmit
from shared.security.permissions import Actor
from shared.services import progress
from shared.services.quizzes.attempts import expire, is_overdue
from shared.services.quizzes.grading import Response, grade, read_responses, result_of, totals
from shared.services.quizzes.questions import attempt_order
from shared.services.quizzes.results import ATTEMPT_NOT_FOUND, attempt_with_quiz
from shared.uow import UnitOfWork

audit = logging.getLogger("lms.quiz.audit")

ALREADY_SUBMITTED = "Attempt is already submitted"
TIME_EXCEEDED = "Time limit exceeded for this attempt"


def submit_attempt(
    uow: UnitOfWork,
    actor: Actor,
    quiz_id: str | uuid.UUID,
    attempt_id: str | uuid.UUID,
    data: AttemptSubmit,
) -> AttemptResult:
    """Grade the caller's in-progress attempt. Statements: the attempt (locked) with its
    quiz, the questions, the answers (one multi-row insert), the attempt update, and for a
    graded attempt the outbox row (plus the progress writes of a pass)."""
    now = uow.clock()
    session = uow.session
    attempt, quiz = attempt_with_quiz(session, quiz_id, attempt_id, lock=True)
    if attempt.student_id != actor.id:
        raise ResourceNotFoundError(ATTEMPT_NOT_FOUND)
    if attempt.status == AttemptStatus.EXPIRED:
        raise AccessDeniedError(TIME_EXCEEDED)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AccessDeniedError(ALREADY_SUBMITTED)
    if is_overdue(attempt, now):
        expire(attempt, now)
        uow.commit()  # the expiry stands although this request fails
        raise AccessDeniedError(TIME_EXCEEDED)
    questions = attempt_order(
        session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)).all(),
        attempt.question_order,
    )
    responses = read_responses({q.id: q for q in questions}, data.answers)
    answers = _graded_answers(attempt, questions, responses, partial_credit=quiz.partial_credit)
    session.add_all(answers)
    attempt.submitted_at = now
    attempt.time_taken_seconds = max(0, int((now - attempt.started_at).total_seconds()))
    if any(a.needs_grading for a in answers):
        attempt.status = AttemptStatus.NEEDS_GRADING.value
    else:
        finish_graded_attempt(uow, actor, attempt, quiz, answers, now)
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
    # No attempt is open now and this one is the student's latest: its number is how many
    # they have used.
    reveal = quiz.shows_answers_to_student(attempt.attempt_number, attempt_open=False)
    return result_of(attempt, pairs, reveal=reveal)


def _graded_answers(
    attempt: QuizAttempt,
    questions: Sequence[QuizQuestion],
    responses: Mapping[uuid.UUID, Response],
    *,
    partial_credit: bool,
) -> list[QuizAnswer]:
    """One answer per question, in the attempt's order, graded (essays wait for grading);
    a question without a response is unanswered (0 points)."""
    answers: list[QuizAnswer] = []
    for question in questions:
        response = responses.get(question.id)
        result = grade(question, response, partial_credit=partial_credit)
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
    return answers


def finish_graded_attempt(
    uow: UnitOfWork,
    actor: Actor,
    attempt: QuizAttempt,
    quiz: Quiz,
    answers: Sequence[QuizAnswer],
    now: datetime,
) -> None:
    """Every answer is graded: the totals, quiz.submitted, and a pass completes the lesson.
    `actor` submitted the attempt or graded its last essay; `now` is the caller's time (its
    unit of work's clock, read once); the caller commits."""
    result = totals((a.points_earned for a in answers), attempt.max_score, quiz.passing_score)
    attempt.status = AttemptStatus.GRADED.value
    attempt.graded_at = now
    attempt.score = result.score
    attempt.percentage = result.percentage
    attempt.is_passed = result.is_passed
    uow.publish(
        QuizSubmitted(
            attempt_id=attempt.id,
            quiz_id=quiz.id,
            enrollment_id=attempt.enrollment_id,
            student_id=attempt.student_id,
            percentage=Decimal(f"{result.percentage:.2f}"),
            is_passed=result.is_passed,
            submitted_at=attempt.submitted_at or now,
        )
    )
    uow.publish(
        QuizGraded(
            attempt_id=attempt.id,
            quiz_id=quiz.id,
            enrollment_id=attempt.enrollment_id,
            student_id=attempt.student_id,
            score=Decimal(str(result.score)),
            percentage=Decimal(f"{result.percentage:.2f}"),
            is_passed=result.is_passed,
            graded_at=now,
        )
    )
    if result.is_passed:
        progress.record_lesson_completion(uow, attempt.enrollment_id, quiz.lesson_id, actor=actor)
