"""What the reference's clients read from the quiz routes and keep reading here: the status
and `detail` words of its refusals, answers without an `is_correct` key when correct answers
are hidden, and a short answer's `correct_answer` (issue 15)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared.domain.quizzes import QuizAnswer, QuizAttempt
from tests.function_calls import json_of
from tests.functional.quizzes.scenario import (
    MC,
    TF,
    create_question,
    detail,
    get_attempt,
    list_questions,
    ok,
    quiz_setup,
    start,
    submit,
    update_question,
)
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

MANY = {
    "question_text": "Which of these are prime?",
    "question_type": "multiple_answers",
    "options": [
        {"option_id": "2", "option_text": "two", "is_correct": True},
        {"option_id": "4", "option_text": "four"},
    ],
}


def _attempt_rows(quiz_id: str) -> list[tuple[str, int]]:
    """(status, number of answers) of each attempt at the quiz, first to last."""
    with unit_of_work() as uow:
        attempts = uow.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.quiz_id == uuid.UUID(quiz_id))
            .order_by(QuizAttempt.attempt_number)
        ).all()
        return [
            (
                a.status,
                len(
                    uow.session.scalars(
                        select(QuizAnswer.id).where(QuizAnswer.attempt_id == a.id)
                    ).all()
                ),
            )
            for a in attempts
        ]


def _refused_submission(setup: Any, answers: list[dict[str, Any]]) -> tuple[int, str]:
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    response = submit(setup.quiz_id, attempt["id"], answers, setup.student_token)
    return response.status_code, detail(response)


def test_starting_while_an_attempt_is_in_progress_answers_403_you_already_have_one() -> None:
    setup = quiz_setup((TF,))
    ok(start(setup.quiz_id, setup.student_token), 201)

    again = start(setup.quiz_id, setup.student_token)

    assert again.status_code == 403
    assert json_of(again)["detail"] == "You already have an in-progress attempt"
    assert _attempt_rows(setup.quiz_id) == [("in_progress", 0)]


@pytest.mark.parametrize("correct", [0, 2])
def test_a_multiple_choice_question_needs_exactly_1_correct_option_in_the_reference_words(
    correct: int,
) -> None:
    setup = quiz_setup((MC,), publish=False)
    options = [{**o, "is_correct": i < correct} for i, o in enumerate(MC["options"])]

    created = create_question(
        setup.course.id, setup.quiz_id, {**MC, "options": options}, setup.owner_token
    )
    changed = update_question(
        setup.course.id, setup.quiz_id, setup.question(0), {"options": options}, setup.owner_token
    )

    for response in (created, changed):
        assert (response.status_code, detail(response)) == (
            400,
            "Multiple choice questions must have exactly 1 correct option",
        )
    managed = ok(list_questions(setup.course.id, setup.quiz_id, setup.owner_token, manage=True))
    assert [len(q["options"]) for q in managed] == [3]
    assert [o["is_correct"] for o in managed[0]["options"]] == [False, True, False]


@pytest.mark.parametrize(
    "question, answer",
    [
        (MC, {"selected_option_id": "z"}),
        (MANY, {"selected_option_ids": ["2", "9"]}),
    ],
)
def test_an_option_of_another_question_answers_selected_option_does_not_belong_to_the_question(
    question: dict[str, Any], answer: dict[str, Any]
) -> None:
    setup = quiz_setup((question,))

    refused = _refused_submission(setup, [{"question_id": setup.question(0), **answer}])

    assert refused == (400, "Selected option does not belong to the question")
    assert _attempt_rows(setup.quiz_id) == [("in_progress", 0)]


def test_two_answers_to_one_question_answer_duplicate_answer_is_not_allowed() -> None:
    setup = quiz_setup((MC, TF))
    answer = {"question_id": setup.question(1), "answer_text": "true"}

    refused = _refused_submission(setup, [answer, {**answer, "answer_text": "false"}])

    assert refused == (400, "Duplicate answer for the same question is not allowed")
    assert _attempt_rows(setup.quiz_id) == [("in_progress", 0)]


def test_an_answer_to_another_quizs_question_answers_it_does_not_belong_to_this_quiz() -> None:
    setup = quiz_setup((TF,))
    other = quiz_setup((TF,))

    refused = _refused_submission(
        setup, [{"question_id": other.question(0), "answer_text": "true"}]
    )

    assert refused == (400, "Answer contains a question that does not belong to this quiz")
    assert _attempt_rows(setup.quiz_id) == [("in_progress", 0)]


def test_with_show_correct_answers_false_the_answers_carry_no_is_correct_key() -> None:
    setup = quiz_setup((MC, TF), show_correct_answers=False)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    answers = [{"question_id": setup.question(0), "selected_option_id": "b"}]

    submitted = ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))
    read = ok(get_attempt(setup.quiz_id, attempt["id"], setup.student_token))

    for result in (submitted, read):
        assert result["score"] == "2.00"
        assert [sorted(a) for a in result["answers"]] == [
            sorted(
                [
                    "question_id",
                    "question_type",
                    "selected_option_id",
                    "selected_option_ids",
                    "answer_text",
                    "numeric_value",
                    "needs_grading",
                    "feedback",
                    "points_possible",
                ]
            )
        ] * 2
    managed = ok(get_attempt(setup.quiz_id, attempt["id"], setup.owner_token))
    assert [a["is_correct"] for a in managed["answers"]] == [True, False]


def test_a_short_answer_question_keeps_returning_correct_answer() -> None:
    setup = quiz_setup((), publish=False)
    body = {"question_text": "Capital of Italy?", "question_type": "short_answer"}

    by_reference = ok(
        create_question(
            setup.course.id, setup.quiz_id, {**body, "correct_answer": "Rome"}, setup.owner_token
        ),
        201,
    )
    by_list = ok(
        create_question(
            setup.course.id,
            setup.quiz_id,
            {**body, "accepted_answers": ["Roma", "Rome"]},
            setup.owner_token,
        ),
        201,
    )
    changed = ok(
        update_question(
            setup.course.id,
            setup.quiz_id,
            by_reference["id"],
            {"correct_answer": "Roma"},
            setup.owner_token,
        )
    )
    managed = ok(list_questions(setup.course.id, setup.quiz_id, setup.owner_token, manage=True))

    assert by_reference["correct_answer"] == "Rome"
    assert by_list["correct_answer"] == "Roma"
    assert changed["correct_answer"] == "Roma"
    assert [q["correct_answer"] for q in managed] == ["Roma", "Roma"]
