"""SQL statements per quiz request: starting and submitting cost the same however many
questions the quiz has (no query per question, one multi-row insert for the answers)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.quizzes.scenario import ESSAY, SHORT, TF, ok, quiz_setup, start, submit
from tests.statements import authenticated, counted_statements

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def _questions(count: int) -> list[dict[str, Any]]:
    return [{**SHORT, "question_text": f"Question {n}"} for n in range(count)]


@pytest.mark.parametrize("count", [1, 12])
def test_starting_an_attempt_costs_six_statements(count: int) -> None:
    setup = quiz_setup(_questions(count), shuffle_questions=True)
    with counted_statements() as statements:
        ok(start(setup.quiz_id, setup.student_token), 201)
    # Rate limit, actor, the quiz with its course and enrollment (share-locked), the latest
    # attempt, the questions, the insert.
    assert len(statements) == authenticated(6), statements


@pytest.mark.parametrize("count", [1, 12])
def test_submitting_a_failed_attempt_costs_ten_statements(count: int) -> None:
    setup = quiz_setup(_questions(count))
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    answers = [{"question_id": setup.question(n), "answer_text": "Lyon"} for n in range(count)]
    with counted_statements() as statements:
        result = ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))
    assert result["is_passed"] is False
    # Rate limit, actor, the attempt with its quiz (locked), the questions, the outbox row of
    # quiz.submitted, the answers (one multi-row insert), the attempt update; then the relay
    # after commit on the local broker: read the outbox row, enqueue it, delete it.
    assert len(statements) == authenticated(10), statements


def test_a_pass_adds_the_progress_writes() -> None:
    setup = quiz_setup((TF,), lessons=3)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    answers = [{"question_id": setup.question(0), "answer_text": "true"}]
    with counted_statements() as statements:
        ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))
    # The ten above, plus the locked enrollment, the lesson with its progress, the
    # progress insert, the summary query and the enrollment update.
    assert len(statements) == authenticated(15), statements


def test_submitting_an_attempt_that_waits_for_grading_costs_six_statements() -> None:
    setup = quiz_setup((TF, ESSAY))
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    answers = [{"question_id": setup.question(1), "answer_text": "Because."}]
    with counted_statements() as statements:
        result = ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))
    assert result["status"] == "needs_grading"
    # Rate limit, actor, the attempt with its quiz, the questions, the answers, the attempt;
    # nothing is announced until the essay is graded.
    assert len(statements) == authenticated(6), statements
