"""When a student sees which answers were right: show_correct_answers, and
show_correct_answers_after, "each_attempt" or "last_attempt" (the default), so the key of
one attempt never answers the next (issue 15)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.quizzes import Quiz
from tests.functional.quizzes.scenario import (
    MC,
    TF,
    QuizSetup,
    detail,
    get_attempt,
    ok,
    quiz_action,
    quiz_setup,
    start,
    submit,
    update_quiz,
)
from tests.learning import load

pytestmark = pytest.mark.usefixtures("database_url")

REVEALING = {"is_correct", "points_earned", "solution", "explanation"}


def _submitted(setup: QuizSetup) -> tuple[str, dict[str, Any]]:
    """A new attempt, answered (question 0 right) and submitted: its id and result."""
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    answers = [{"question_id": setup.question(0), "selected_option_id": "b"}]
    return attempt["id"], ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))


def _shows_key(result: dict[str, Any]) -> bool:
    """Whether every answer of the result tells what was right, or none does."""
    shown = [set(a) >= REVEALING for a in result["answers"]]
    hidden = [not REVEALING & set(a) for a in result["answers"]]
    assert all(shown) or all(hidden), result["answers"]
    return all(shown)


def _student_view(setup: QuizSetup, attempt_id: str) -> dict[str, Any]:
    return ok(get_attempt(setup.quiz_id, attempt_id, setup.student_token))


def test_a_new_quiz_shows_the_key_only_after_the_last_attempt_by_default() -> None:
    setup = quiz_setup((MC,))

    assert setup.quiz["show_correct_answers_after"] == "last_attempt"
    assert load(Quiz, uuid.UUID(setup.quiz_id)).show_correct_answers_after == "last_attempt"


def test_with_an_attempt_left_the_student_gets_the_key_only_once_it_is_used() -> None:
    setup = quiz_setup((MC, TF), max_attempts=2)

    first_id, first = _submitted(setup)
    assert not _shows_key(first)
    assert not _shows_key(_student_view(setup, first_id))
    second = ok(start(setup.quiz_id, setup.student_token), 201)
    assert not _shows_key(_student_view(setup, first_id))  # the last attempt is open

    last = ok(submit(setup.quiz_id, second["id"], [], setup.student_token))

    assert _shows_key(last)
    assert last["answers"][0]["solution"]["correct_option_ids"] == ["b"]
    earlier = _student_view(setup, first_id)
    assert _shows_key(earlier)
    assert [a["is_correct"] for a in earlier["answers"]] == [True, False]
    assert (first["score"], first["is_passed"]) == (earlier["score"], earlier["is_passed"])


def test_with_unlimited_attempts_the_key_is_shown_once_the_quiz_is_archived() -> None:
    setup = quiz_setup((MC,))
    attempt_id, result = _submitted(setup)
    assert not _shows_key(result)

    ok(quiz_action("archive", setup.course.id, setup.quiz_id, setup.owner_token))

    assert _shows_key(_student_view(setup, attempt_id))


def test_after_each_attempt_the_student_sees_the_key_of_every_attempt() -> None:
    setup = quiz_setup((MC,), max_attempts=3, show_correct_answers_after="each_attempt")

    attempt_id, result = _submitted(setup)

    assert _shows_key(result)
    assert result["answers"][0]["is_correct"] is True
    assert _shows_key(_student_view(setup, attempt_id))


def test_with_correct_answers_hidden_even_the_last_attempt_shows_no_key() -> None:
    setup = quiz_setup((MC,), max_attempts=1, show_correct_answers=False)

    attempt_id, result = _submitted(setup)

    assert not _shows_key(result)
    assert not _shows_key(_student_view(setup, attempt_id))
    assert _shows_key(ok(get_attempt(setup.quiz_id, attempt_id, setup.owner_token)))


def test_the_course_manager_sees_the_key_while_the_student_has_attempts_left() -> None:
    setup = quiz_setup((MC,), max_attempts=2)
    attempt_id, _ = _submitted(setup)

    managed = ok(get_attempt(setup.quiz_id, attempt_id, setup.owner_token))

    assert _shows_key(managed)
    assert not _shows_key(_student_view(setup, attempt_id))


def test_patch_sets_when_the_key_is_shown_and_refuses_other_values() -> None:
    setup = quiz_setup((MC,))

    changed = ok(
        update_quiz(
            setup.course.id,
            setup.quiz_id,
            {"show_correct_answers_after": "each_attempt"},
            setup.owner_token,
        )
    )
    wrong = update_quiz(
        setup.course.id, setup.quiz_id, {"show_correct_answers_after": "never"}, setup.owner_token
    )
    cleared = update_quiz(
        setup.course.id, setup.quiz_id, {"show_correct_answers_after": None}, setup.owner_token
    )

    assert changed["show_correct_answers_after"] == "each_attempt"
    assert wrong.status_code == 422
    assert (cleared.status_code, detail(cleared)) == (
        400,
        "show_correct_answers_after cannot be null",
    )
    assert load(Quiz, uuid.UUID(setup.quiz_id)).show_correct_answers_after == "each_attempt"
