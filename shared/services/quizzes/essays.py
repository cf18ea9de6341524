"""Grading essay answers by hand: the course's managers grade each essay of an attempt
waiting in needs_grading, and the last grade finishes the attempt like a submission with no
essays would have (totals, quiz.submitted, a pass completes the lesson).

- Only essays are graded by hand, each between 0 and its question's points; full points
  count as correct.
- A grade is final once the attempt is finished: an attempt that is graded, expired or not
  yet submitted has nothing to grade (409, saying which).
"""

from __future__ import annotations

import uuid

from shared.domain.courses import Course
from shared.domain.errors import ResourceConflictError, ResourceNotFoundError, RuleViolationError
from shared.domain.quizzes import AttemptStatus, QuestionType
from shared.domain.rounding import two_places
from shared.schemas.quiz_attempts import AnswerGrade, AttemptResult
from shared.security.permissions import Actor
from shared.services.course_access import require_manager
from shared.services.ids import parse_id
from shared.services.quizzes.grading import result_of
from shared.services.quizzes.results import ATTEMPT_NOT_FOUND, answers_of, attempt_with_quiz
from shared.services.quizzes.submissions import finish_graded_attempt
from shared.uow import UnitOfWork

ANSWER_NOT_FOUND = "Answer not found"


def grade_answer(
    uow: UnitOfWork,
    actor: Actor,
    quiz_id: str | uuid.UUID,
    attempt_id: str | uuid.UUID,
    question_id: str | uuid.UUID,
    data: AnswerGrade,
) -> AttemptResult:
    """An instructor grades one essay answer of an attempt waiting for grading; the last one
    graded finishes the attempt (totals, quiz.submitted, a pass completes the lesson)."""
    now = uow.clock()
    session = uow.session
    attempt, quiz = attempt_with_quiz(session, quiz_id, attempt_id, lock=True)
    course = session.get(Course, quiz.course_id)
    # The quiz's foreign key keeps its course; were the course gone, so would the attempt be.
    if course is None:
        raise ResourceNotFoundError(ATTEMPT_NOT_FOUND)
    require_manager(actor, course, "Not authorized to grade attempts for this quiz")
    if attempt.status != AttemptStatus.NEEDS_GRADING:
        raise ResourceConflictError(_not_gradable(attempt.status))
    pairs = answers_of(session, attempt)
    question_uuid = parse_id(question_id, ANSWER_NOT_FOUND)
    found = next(((a, q) for a, q in pairs if q.id == question_uuid), None)
    if found is None:
        raise ResourceNotFoundError(ANSWER_NOT_FOUND)
    answer, question = found
    if question.question_type != QuestionType.ESSAY:
        raise RuleViolationError("Only essay answers are graded by hand")
    if data.points_earned > float(question.points):
        raise RuleViolationError(f"points_earned must be between 0 and {float(question.points):g}")
    answer.points_earned = two_places(data.points_earned)
    answer.is_correct = answer.points_earned >= float(question.points)
    answer.needs_grading = False
    answer.feedback = data.feedback
    answer.graded_by = actor.id
    answer.graded_at = now
    if not any(a.needs_grading for a, _ in pairs):
        finish_graded_attempt(uow, actor, attempt, quiz, [a for a, _ in pairs], now)
    uow.commit()
    return result_of(attempt, pairs, reveal=True)


def _not_gradable(status: str) -> str:
    if status == AttemptStatus.IN_PROGRESS:
        return "This attempt has not been submitted yet"
    if status == AttemptStatus.EXPIRED:
        return "This attempt expired before it was submitted; there is nothing to grade"
    return "This attempt is already graded; its result is final"
