"""Grading each question type, checking answers as submitted, totals, and what a result
shows: pure functions over unsaved questions, no database."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest

from shared.domain.errors import RuleViolationError
from shared.domain.quizzes import QuizAnswer, QuizQuestion
from shared.schemas.quiz_attempts import AnswerIn
from shared.services.quizzes.grading import (
    Grade,
    Response,
    answer_result,
    grade,
    normalize_text,
    read_responses,
    totals,
)

OPTIONS = [
    {"option_id": "a", "option_text": "A", "is_correct": True},
    {"option_id": "b", "option_text": "B", "is_correct": True},
    {"option_id": "c", "option_text": "C", "is_correct": True},
    {"option_id": "d", "option_text": "D", "is_correct": False},
    {"option_id": "e", "option_text": "E", "is_correct": False},
]


def question(question_type: str, points: float = 1.0, **fields: Any) -> QuizQuestion:
    return QuizQuestion(id=uuid.uuid4(), question_type=question_type, points=points, **fields)


def choice(points: float = 1.0) -> QuizQuestion:
    options = [{**o, "is_correct": o["option_id"] == "b"} for o in OPTIONS[:3]]
    return question("multiple_choice", points, options=options)


def answers(points: float = 3.0) -> QuizQuestion:
    return question("multiple_answers", points, options=OPTIONS)


def selected(*ids: str) -> Response:
    return Response(selected_option_ids=ids)


def text(value: str) -> Response:
    return Response(answer_text=value)


def number(value: float) -> Response:
    return Response(numeric_value=value)


# --- each type -----------------------------------------------------------------------------


def test_multiple_choice_earns_its_points_for_the_correct_option_only() -> None:
    q = choice(points=2.5)
    assert grade(q, selected("b"), partial_credit=False) == Grade(True, 2.5)
    assert grade(q, selected("a"), partial_credit=False) == Grade(False, 0.0)


def test_multiple_choice_reads_options_written_with_the_legacy_keys() -> None:
    q = question(
        "multiple_choice",
        options=[{"id": "x", "text": "X", "is_correct": True}, {"id": "y", "text": "Y"}],
    )
    assert grade(q, selected("x"), partial_credit=False).is_correct is True


def test_multiple_answers_all_or_nothing_needs_exactly_the_correct_set() -> None:
    q = answers()
    assert grade(q, selected("c", "a", "b"), partial_credit=False) == Grade(True, 3.0)
    assert grade(q, selected("a", "b"), partial_credit=False) == Grade(False, 0.0)
    assert grade(q, selected("a", "b", "c", "d"), partial_credit=False) == Grade(False, 0.0)


@pytest.mark.parametrize(
    "chosen, earned",
    [
        (("a", "b", "c"), 3.0),  # everything right: full points, and correct
        (("a", "b"), 2.0),  # 2 right of 3: 3 * 2/3
        (("a",), 1.0),
        (("a", "b", "d"), 1.0),  # (2 - 1) / 3
        (("a", "d"), 0.0),  # (1 - 1) / 3
        (("a", "d", "e"), 0.0),  # negative share clamps to 0
        (("a", "b", "c", "d", "e"), 1.0),  # selecting everything: (3 - 2) / 3
        ((), 0.0),
    ],
)
def test_multiple_answers_partial_credit_follows_right_minus_wrong_over_correct(
    chosen: tuple[str, ...], earned: float
) -> None:
    result = grade(answers(points=3.0), selected(*chosen), partial_credit=True)
    assert result.points_earned == earned
    assert result.is_correct is (set(chosen) == {"a", "b", "c"})


def test_partial_credit_rounds_half_up_to_two_places() -> None:
    # 1 point * 2/3 = 0.666… -> 0.67; 1 point * 1/3 -> 0.33
    assert grade(answers(points=1.0), selected("a", "b"), partial_credit=True).points_earned == (
        0.67
    )
    assert grade(answers(points=1.0), selected("a"), partial_credit=True).points_earned == 0.33


@pytest.mark.parametrize("given", ["true", "TRUE", " True ", "tRuE\n"])
def test_true_false_ignores_case_and_surrounding_spaces(given: str) -> None:
    q = question("true_false", correct_answer="true")
    assert grade(q, text(given), partial_credit=False).is_correct is True
    assert grade(q, text("false"), partial_credit=False) == Grade(False, 0.0)


@pytest.mark.parametrize(
    "given, correct",
    [
        ("New York", True),
        ("new york", True),
        ("  NEW   york ", True),
        ("new\tyork\n", True),
        ("NYC", True),  # a second accepted answer
        ("Straße", True),  # casefold: "STRASSE" is accepted too
        ("New-York", False),
        ("NewYork", False),
        ("New York City", False),  # no fuzzy matching
    ],
)
def test_short_answer_matches_an_accepted_answer_after_case_and_whitespace_folding(
    given: str, correct: bool
) -> None:
    q = question("short_answer", accepted_answers=["New York", "nyc", "STRASSE"])
    assert grade(q, text(given), partial_credit=False).is_correct is correct


def test_normalize_text_casefolds_and_collapses_whitespace() -> None:
    assert normalize_text("  A \t b\n\nC ") == "a b c"


@pytest.mark.parametrize(
    "value, correct",
    [
        (3.14, True),
        (3.13, True),  # exactly at the tolerance
        (3.15, True),
        (3.1299, False),
        (3.1501, False),
        (-3.14, False),
    ],
)
def test_numerical_accepts_values_within_the_tolerance_inclusive(
    value: float, correct: bool
) -> None:
    q = question("numerical", numeric_answer=3.14, tolerance=0.01)
    assert grade(q, number(value), partial_credit=False).is_correct is correct


def test_numerical_with_no_tolerance_forgives_binary_floating_point_only() -> None:
    q = question("numerical", numeric_answer=0.3, tolerance=0.0)
    assert grade(q, number(0.1 + 0.2), partial_credit=False).is_correct is True
    assert grade(q, number(0.3000001), partial_credit=False).is_correct is False


def test_numerical_never_matches_a_non_finite_value() -> None:
    q = question("numerical", numeric_answer=1.0, tolerance=math.inf)
    assert grade(q, number(math.nan), partial_credit=False).is_correct is False
    assert grade(q, number(math.inf), partial_credit=False).is_correct is False


def test_an_answered_essay_waits_for_an_instructor() -> None:
    q = question("essay", points=5)
    assert grade(q, text("Because..."), partial_credit=False) == Grade(None, None, True)


@pytest.mark.parametrize(
    "q", [choice(), answers(), question("essay"), question("numerical", numeric_answer=1)]
)
def test_an_unanswered_question_earns_nothing_and_waits_for_nobody(q: QuizQuestion) -> None:
    assert grade(q, None, partial_credit=True) == Grade(False, 0.0, False)


# --- answers as submitted -------------------------------------------------------------------


def _read(q: QuizQuestion, **answer: Any) -> Response:
    return read_responses({q.id: q}, [AnswerIn(question_id=q.id, **answer)])[q.id]


def _refused(q: QuizQuestion, message: str, **answer: Any) -> None:
    with pytest.raises(RuleViolationError, match=message):
        _read(q, **answer)


def test_submitted_answers_are_refused_for_unknown_or_repeated_questions() -> None:
    q = choice()
    stranger = uuid.uuid4()
    with pytest.raises(RuleViolationError, match="does not belong to this quiz"):
        read_responses({q.id: q}, [AnswerIn(question_id=stranger, selected_option_id="a")])
    twice = [AnswerIn(question_id=q.id, selected_option_id="a")] * 2
    with pytest.raises(RuleViolationError, match="Duplicate answer for the same question"):
        read_responses({q.id: q}, twice)


def test_choice_answers_need_options_of_their_question() -> None:
    _refused(choice(), "Select one option", answer_text="b")
    _refused(choice(), "Select one option", selected_option_ids=["a", "b"])
    _refused(choice(), "does not belong", selected_option_id="z")
    _refused(answers(), "does not belong", selected_option_ids=["a", "z"])
    _refused(answers(), "selected twice", selected_option_ids=["a", "a"])
    assert _read(answers(), selected_option_ids=[]) == Response(selected_option_ids=())
    assert _read(answers(), selected_option_id="a") == selected("a")


def test_text_answers_are_refused_with_options_or_when_empty() -> None:
    tf = question("true_false", correct_answer="true")
    _refused(tf, "takes no selected options", selected_option_id="a")
    _refused(tf, "answer_text is required", answer_text="   ")
    _refused(tf, "Answer true or false", answer_text="yes")
    _refused(question("essay"), "answer_text is required")
    _refused(question("short_answer", accepted_answers=["x"]), "not numeric_value", numeric_value=1)


def test_numerical_answers_take_a_number_or_numeric_text() -> None:
    q = question("numerical", numeric_answer=2.5, tolerance=0)
    assert _read(q, numeric_value=2.5) == number(2.5)
    assert _read(q, answer_text=" 2.5 ") == number(2.5)
    _refused(q, "finite number", answer_text="two and a half")
    _refused(q, "finite number", answer_text="nan")
    _refused(q, "finite number", answer_text="-inf")
    _refused(q, "finite number")


# --- totals and results ---------------------------------------------------------------------


def test_totals_round_the_percentage_and_pass_at_the_passing_score() -> None:
    result = totals([1, 1, 0], max_score=3, passing_score=66.67)
    assert (result.score, result.percentage, result.is_passed) == (2.0, 66.67, True)
    assert totals([1, 1, 0], max_score=3, passing_score=66.68).is_passed is False
    assert totals([0.1, 0.2], max_score=0.3, passing_score=100).percentage == 100.0


def test_a_quiz_worth_nothing_scores_zero_percent() -> None:
    result = totals([], max_score=0, passing_score=70)
    assert (result.score, result.percentage, result.is_passed) == (0.0, 0.0, False)
    assert totals([], max_score=0, passing_score=0).is_passed is True


def test_a_hidden_result_shows_the_answer_but_not_its_correctness() -> None:
    q = choice(points=2)
    q.explanation = "B it is."
    answer = QuizAnswer(selected_option_ids=["a"], is_correct=False, points_earned=0.0)
    answer.needs_grading = False

    hidden = answer_result(answer, q, reveal=False)
    shown = answer_result(answer, q, reveal=True)

    assert hidden.selected_option_id == "a"
    assert (hidden.is_correct, hidden.points_earned, hidden.explanation, hidden.solution) == (
        None,
        None,
        None,
        None,
    )
    assert (shown.is_correct, shown.points_earned, shown.explanation) == (False, 0.0, "B it is.")
    assert shown.solution is not None and shown.solution.correct_option_ids == ["b"]
