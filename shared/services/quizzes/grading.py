"""Answer keys and grading: pure functions over questions and answers, no database.

What counts as right, per question type:
- multiple_choice: the one selected option is the one correct option.
- multiple_answers: the selected set is exactly the correct set (all-or-nothing). With the
  quiz's `partial_credit` on, a selection earns
      points * max(0, (right selected - wrong selected) / number of correct options)
  rounded half-up to 0.01, so guessing everything earns nothing; is_correct still means
  "exactly the correct set".
- true_false: "true" or "false", case-insensitive, surrounding spaces ignored.
- short_answer: equal to one accepted answer after case folding, trimming and collapsing
  runs of whitespace to one space ("  New   york " matches "New York").
- numerical: |value - numeric_answer| <= tolerance, with a relative slack of 1e-9 for
  binary floating point (0.1 + 0.2 matches 0.3 at tolerance 0); only finite values.
- essay: answered essays wait for an instructor; an unanswered one earns 0 at once.
A question left unanswered earns 0 points.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.domain.errors import RuleViolationError
from shared.domain.quizzes import OPTION_TYPES, QuestionType, QuizAnswer, QuizAttempt, QuizQuestion
from shared.domain.rounding import two_places
from shared.schemas.quiz_attempts import (
    AnswerIn,
    AnswerResult,
    AnswerSolution,
    AttemptOut,
    AttemptResult,
)

_FLOAT_SLACK = 1e-9
TRUE_FALSE = ("true", "false")
_NOT_A_NUMBER = "Answer numerical question {} with a finite number"
# The reference's `detail` texts, word for word: its clients compare them.
MC_ONE_CORRECT = "Multiple choice questions must have exactly 1 correct option"
FOREIGN_OPTION = "Selected option does not belong to the question"
DUPLICATE_ANSWER = "Duplicate answer for the same question is not allowed"
FOREIGN_QUESTION = "Answer contains a question that does not belong to this quiz"
# The answer-key fields each type uses; any other one must be left empty.
KEY_FIELDS: dict[QuestionType, frozenset[str]] = {
    QuestionType.MULTIPLE_CHOICE: frozenset({"options"}),
    QuestionType.MULTIPLE_ANSWERS: frozenset({"options"}),
    QuestionType.TRUE_FALSE: frozenset({"correct_answer"}),
    QuestionType.SHORT_ANSWER: frozenset({"accepted_answers"}),
    QuestionType.NUMERICAL: frozenset({"numeric_answer", "tolerance"}),
    QuestionType.ESSAY: frozenset(),
}
ALL_KEY_FIELDS = ("options", "correct_answer", "accepted_answers", "numeric_answer", "tolerance")


def normalize_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def option_id(option: Mapping[str, Any]) -> str:
    """An option's id; rows written by the reference may use the legacy key `id`."""
    return str(option.get("option_id") or option.get("id") or "")


def option_text(option: Mapping[str, Any]) -> str:
    return str(option.get("option_text") or option.get("text") or "")


def correct_option_ids(question: QuizQuestion) -> list[str]:
    return [option_id(o) for o in question.options or [] if o.get("is_correct")]


# --- answer keys ---------------------------------------------------------------------------


def normalize_answer_key(question: QuizQuestion) -> None:
    """Store keys in one form: true_false lower-case, a short answer's `correct_answer` (the
    reference's single answer) folded into `accepted_answers`, tolerance 0 when left out."""
    kind = QuestionType(question.question_type)
    if kind is QuestionType.TRUE_FALSE and question.correct_answer is not None:
        question.correct_answer = question.correct_answer.strip().lower()
    if kind is QuestionType.SHORT_ANSWER:
        answers = [*(question.accepted_answers or [])]
        if question.correct_answer and question.correct_answer.strip():
            answers.append(question.correct_answer)
            question.correct_answer = None
        seen: set[str] = set()
        kept: list[str] = []
        for answer in (a.strip() for a in answers):
            if normalize_text(answer) not in seen:
                seen.add(normalize_text(answer))
                kept.append(answer)
        question.accepted_answers = kept or question.accepted_answers
    if kind is QuestionType.NUMERICAL and question.tolerance is None:
        question.tolerance = 0.0


def check_answer_key(question: QuizQuestion) -> None:
    """Raise RuleViolationError (400) unless the question can be graded as its type says."""
    kind = QuestionType(question.question_type)
    for field in ALL_KEY_FIELDS:
        if field not in KEY_FIELDS[kind] and _filled(getattr(question, field)):
            hint = " (an instructor grades it)" if kind is QuestionType.ESSAY else ""
            raise RuleViolationError(f"A {kind} question takes no {field}{hint}")
    if kind in OPTION_TYPES:
        _check_options(kind, question.options or [])
    elif kind is QuestionType.TRUE_FALSE:
        if (question.correct_answer or "").strip().lower() not in TRUE_FALSE:
            raise RuleViolationError("A true_false question needs correct_answer true or false")
    elif kind is QuestionType.SHORT_ANSWER:
        answers = question.accepted_answers or []
        if not answers or any(not str(a).strip() for a in answers):
            raise RuleViolationError(
                "A short_answer question needs accepted_answers (or a correct_answer), "
                "none of them blank"
            )
    elif kind is QuestionType.NUMERICAL:
        if question.numeric_answer is None or not math.isfinite(question.numeric_answer):
            raise RuleViolationError("A numerical question needs a finite numeric_answer")
        tolerance = question.tolerance or 0.0
        if not math.isfinite(tolerance) or tolerance < 0:
            raise RuleViolationError("tolerance must be a finite number of at least 0")


def _filled(value: Any) -> bool:
    return value is not None and value != [] and not (isinstance(value, str) and not value)


def _check_options(kind: QuestionType, options: Sequence[Mapping[str, Any]]) -> None:
    if len(options) < 2:
        raise RuleViolationError(f"A {kind} question needs at least 2 options")
    ids = [option_id(o).strip() for o in options]
    texts = [normalize_text(option_text(o)) for o in options]
    if not all(ids) or not all(texts):
        raise RuleViolationError("Every option needs a non-empty option_id and option_text")
    if len(set(ids)) != len(ids):
        raise RuleViolationError("Option ids must be unique within a question")
    if len(set(texts)) != len(texts):
        raise RuleViolationError("Option texts must be unique within a question")
    correct = sum(1 for o in options if o.get("is_correct"))
    if kind is QuestionType.MULTIPLE_CHOICE and correct != 1:
        # The reference's words (clients match them); multiple_answers takes several.
        raise RuleViolationError(MC_ONE_CORRECT)
    if kind is QuestionType.MULTIPLE_ANSWERS and correct < 1:
        raise RuleViolationError("A multiple_answers question needs at least one correct option")


# --- submitted answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One question's answer as submitted, checked against its type."""

    selected_option_ids: tuple[str, ...] = ()
    answer_text: str | None = None
    numeric_value: float | None = None


def read_responses(
    questions: Mapping[uuid.UUID, QuizQuestion], answers: Sequence[AnswerIn]
) -> dict[uuid.UUID, Response]:
    """The submitted answers by question, or RuleViolationError (400) naming the problem.
    Questions left out are unanswered (0 points)."""
    responses: dict[uuid.UUID, Response] = {}
    for answer in answers:
        if answer.question_id in responses:
            raise RuleViolationError(DUPLICATE_ANSWER)
        question = questions.get(answer.question_id)
        if question is None:
            raise RuleViolationError(FOREIGN_QUESTION)
        responses[answer.question_id] = _response(question, answer)
    return responses


def _response(question: QuizQuestion, answer: AnswerIn) -> Response:
    kind = QuestionType(question.question_type)
    selected = answer.selected_ids()
    if kind not in OPTION_TYPES:
        if selected is not None:
            raise RuleViolationError(
                f"Question {question.id} is a {kind} question and takes no selected options"
            )
        return _text_response(question, kind, answer)
    if selected is None or (kind is QuestionType.MULTIPLE_CHOICE and len(selected) != 1):
        raise RuleViolationError(
            f"Select one option for multiple-choice question {question.id}"
            if kind is QuestionType.MULTIPLE_CHOICE
            else f"Send selected_option_ids for multiple-answers question {question.id}"
        )
    known = {option_id(o) for o in question.options or []}
    for chosen in selected:
        if chosen not in known:
            raise RuleViolationError(FOREIGN_OPTION)
    if len(set(selected)) != len(selected):
        raise RuleViolationError(f"An option of question {question.id} is selected twice")
    return Response(selected_option_ids=tuple(selected))


def _text_response(question: QuizQuestion, kind: QuestionType, answer: AnswerIn) -> Response:
    if kind is QuestionType.NUMERICAL:
        value = answer.numeric_value
        if value is None and answer.answer_text is not None and answer.answer_text.strip():
            try:
                value = float(answer.answer_text.strip())
            except ValueError:
                raise RuleViolationError(_NOT_A_NUMBER.format(question.id)) from None
        if value is None or not math.isfinite(value):
            raise RuleViolationError(_NOT_A_NUMBER.format(question.id))
        return Response(numeric_value=value)
    if answer.numeric_value is not None:
        raise RuleViolationError(f"Question {question.id} takes answer_text, not numeric_value")
    text = answer.answer_text
    if text is None or not text.strip():
        raise RuleViolationError(f"answer_text is required for question {question.id}")
    if kind is QuestionType.TRUE_FALSE and text.strip().lower() not in TRUE_FALSE:
        raise RuleViolationError(f"Answer true or false for question {question.id}")
    return Response(answer_text=text)


# --- grading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    is_correct: bool | None  # None: waits for an instructor
    points_earned: float | None
    needs_grading: bool = False


UNANSWERED = Grade(is_correct=False, points_earned=0.0)


def grade(question: QuizQuestion, response: Response | None, *, partial_credit: bool) -> Grade:
    """Grade one question's (already checked) response; None when left unanswered."""
    kind = QuestionType(question.question_type)
    points = float(question.points)
    if response is None:
        return UNANSWERED
    if kind is QuestionType.ESSAY:
        return Grade(is_correct=None, points_earned=None, needs_grading=True)
    if kind is QuestionType.MULTIPLE_ANSWERS:
        return _grade_selection(question, response, points, partial_credit=partial_credit)
    correct = _is_correct(question, kind, response)
    return Grade(is_correct=correct, points_earned=two_places(points) if correct else 0.0)


def _is_correct(question: QuizQuestion, kind: QuestionType, response: Response) -> bool:
    if kind is QuestionType.MULTIPLE_CHOICE:
        return list(response.selected_option_ids) == correct_option_ids(question)
    if kind is QuestionType.TRUE_FALSE:
        given = (response.answer_text or "").strip().lower()
        return given == (question.correct_answer or "").strip().lower()
    if kind is QuestionType.SHORT_ANSWER:
        given = normalize_text(response.answer_text or "")
        return any(given == normalize_text(a) for a in question.accepted_answers or [])
    if kind is QuestionType.NUMERICAL:
        value, expected = response.numeric_value, question.numeric_answer
        if value is None or expected is None or not math.isfinite(value):
            return False
        slack = _FLOAT_SLACK * max(1.0, abs(expected))
        return abs(value - expected) <= (question.tolerance or 0.0) + slack
    return False


def _grade_selection(
    question: QuizQuestion, response: Response, points: float, *, partial_credit: bool
) -> Grade:
    correct = set(correct_option_ids(question))
    selected = set(response.selected_option_ids)
    exact = selected == correct
    if not partial_credit or exact:
        return Grade(is_correct=exact, points_earned=two_places(points) if exact else 0.0)
    right, wrong = len(selected & correct), len(selected - correct)
    share = max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct)))
    return Grade(is_correct=False, points_earned=two_places(Decimal(str(points)) * share))


@dataclass(frozen=True)
class Totals:
    score: float
    percentage: float
    is_passed: bool


def totals(points_earned: Iterable[float | None], max_score: float, passing_score: float) -> Totals:
    """score = the sum of the points (2 dp); percentage = score / max * 100 (2 dp, 0 when
    max is 0); passed when percentage >= passing_score."""
    score = sum((Decimal(str(p or 0)) for p in points_earned), Decimal(0))
    maximum = Decimal(str(max_score))
    percentage = two_places(score * 100 / maximum) if maximum > 0 else 0.0
    return Totals(
        score=two_places(score),
        percentage=percentage,
        is_passed=percentage >= two_places(passing_score),
    )


# --- results as shown ----------------------------------------------------------------------


def attempt_out(attempt: QuizAttempt) -> AttemptOut:
    return AttemptOut.model_validate(attempt, from_attributes=True)


def solution_of(question: QuizQuestion) -> AnswerSolution | None:
    kind = QuestionType(question.question_type)
    if kind in OPTION_TYPES:
        return AnswerSolution(correct_option_ids=correct_option_ids(question))
    if kind is QuestionType.TRUE_FALSE:
        return AnswerSolution(correct_answer=question.correct_answer)
    if kind is QuestionType.SHORT_ANSWER:
        accepted = list(question.accepted_answers or [])
        return AnswerSolution(
            correct_answer=accepted[0] if accepted else None, accepted_answers=accepted
        )
    if kind is QuestionType.NUMERICAL:
        return AnswerSolution(numeric_answer=question.numeric_answer, tolerance=question.tolerance)
    return None


def answer_result(answer: QuizAnswer, question: QuizQuestion, *, reveal: bool) -> AnswerResult:
    """One answer as shown: without `reveal` no correctness, points, solution or explanation
    (the keys are left out of the body, see shared/schemas/quiz_attempts.py)."""
    selected = list(answer.selected_option_ids or []) or None
    revealed: dict[str, Any] = {}
    if reveal:
        revealed = {
            "is_correct": answer.is_correct,
            "points_earned": answer.points_earned,
            "explanation": question.explanation,
            "solution": solution_of(question),
        }
    return AnswerResult(
        question_id=question.id,
        question_type=question.question_type,
        selected_option_id=selected[0] if selected else None,
        selected_option_ids=selected,
        answer_text=answer.answer_text,
        numeric_value=answer.numeric_value,
        needs_grading=answer.needs_grading,
        feedback=answer.feedback,
        points_possible=float(question.points),
        **revealed,
    )


def result_of(
    attempt: QuizAttempt,
    answers: Sequence[tuple[QuizAnswer, QuizQuestion]],
    *,
    reveal: bool,
) -> AttemptResult:
    """The attempt with its answers (in the order given). Score, percentage and pass/fail
    are always shown; `reveal` decides the per-answer details."""
    return AttemptResult(
        **attempt_out(attempt).model_dump(),
        answers=[answer_result(a, q, reveal=reveal) for a, q in answers],
    )
