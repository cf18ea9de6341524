"""Which answer keys can be graded: checked when a question is written and again at
publish (§3.9 of the reference, with multiple_answers and numerical added)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.errors import RuleViolationError
from shared.domain.quizzes import QuizQuestion
from shared.services.quizzes.grading import check_answer_key, normalize_answer_key


def question(question_type: str, **fields: Any) -> QuizQuestion:
    q = QuizQuestion(id=uuid.uuid4(), question_type=question_type, points=1, **fields)
    normalize_answer_key(q)
    return q


def opt(option_id: str, text: str, correct: bool = False) -> dict[str, Any]:
    return {"option_id": option_id, "option_text": text, "is_correct": correct}


GOOD = [opt("a", "Yes", True), opt("b", "No")]


@pytest.mark.parametrize(
    "question_type, fields",
    [
        ("multiple_choice", {"options": GOOD}),
        ("multiple_answers", {"options": [opt("a", "A", True), opt("b", "B", True)]}),
        ("true_false", {"correct_answer": "FALSE"}),
        ("short_answer", {"accepted_answers": ["x", "y"]}),
        ("short_answer", {"correct_answer": "only one"}),
        ("numerical", {"numeric_answer": -2.5}),
        ("numerical", {"numeric_answer": 0, "tolerance": 0.5}),
        ("essay", {}),
    ],
)
def test_a_gradable_key_passes(question_type: str, fields: dict[str, Any]) -> None:
    check_answer_key(question(question_type, **fields))


@pytest.mark.parametrize(
    "question_type, fields, message",
    [
        ("multiple_choice", {"options": [opt("a", "A", True)]}, "at least 2 options"),
        ("multiple_choice", {"options": None}, "at least 2 options"),
        (
            "multiple_choice",
            {"options": [opt("a", "A"), opt("b", "B")]},
            "exactly 1 correct option",
        ),
        (
            "multiple_choice",
            {"options": [opt("a", "A", True), opt("b", "B", True)]},
            "exactly 1 correct option",
        ),
        ("multiple_choice", {"options": [opt("a", "A", True), opt("a", "B")]}, "ids must be"),
        ("multiple_choice", {"options": [opt("a", "Same", True), opt("b", "SAME")]}, "texts"),
        ("multiple_choice", {"options": [opt("a", "A", True), opt("", "B")]}, "non-empty"),
        ("multiple_choice", {"options": GOOD, "correct_answer": "a"}, "takes no correct_answer"),
        ("multiple_answers", {"options": [opt("a", "A"), opt("b", "B")]}, "at least one correct"),
        ("true_false", {"correct_answer": "yes"}, "true or false"),
        ("true_false", {}, "true or false"),
        ("true_false", {"correct_answer": "true", "options": GOOD}, "takes no options"),
        ("short_answer", {}, "needs accepted_answers"),
        ("short_answer", {"accepted_answers": ["ok", "  "]}, "blank"),
        ("numerical", {}, "finite numeric_answer"),
        ("numerical", {"numeric_answer": float("nan")}, "finite numeric_answer"),
        ("numerical", {"numeric_answer": 1, "tolerance": -1}, "at least 0"),
        ("numerical", {"numeric_answer": 1, "accepted_answers": ["1"]}, "no accepted_answers"),
        ("essay", {"correct_answer": "anything"}, "instructor grades it"),
        ("essay", {"options": GOOD}, "takes no options"),
    ],
)
def test_an_ungradable_key_is_refused_with_the_reason(
    question_type: str, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuleViolationError, match=message):
        check_answer_key(question(question_type, **fields))


def test_keys_are_stored_in_one_form() -> None:
    tf = question("true_false", correct_answer="  TRUE ")
    short = question(
        "short_answer",
        accepted_answers=[" Paris ", "paris", "City of Light"],
        correct_answer="PARIS",
    )
    number = question("numerical", numeric_answer=1)

    assert tf.correct_answer == "true"
    # The reference's single correct_answer joins the list; case/space duplicates go.
    assert (short.accepted_answers, short.correct_answer) == (["Paris", "City of Light"], None)
    assert number.tolerance == 0.0
