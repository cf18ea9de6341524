"""The order an attempt shows: its stored order, robust to questions or options it lacks."""

from __future__ import annotations

import uuid

from shared.domain.quizzes import QuizQuestion
from shared.services.quizzes.questions import in_order, public_questions


def test_the_stored_order_wins_and_unknown_ids_are_dropped() -> None:
    assert in_order(["a", "b", "c"], ["c", "x", "a", "b"]) == ["c", "a", "b"]


def test_ids_the_stored_order_lacks_keep_their_place_at_the_end() -> None:
    assert in_order(["a", "b", "c", "d"], ["c", "a"]) == ["c", "a", "b", "d"]
    assert in_order(["a", "b"], None) == ["a", "b"]


def test_public_questions_follow_the_attempts_question_and_option_order() -> None:
    options = [
        {"option_id": "a", "option_text": "A", "is_correct": True},
        {"option_id": "b", "option_text": "B", "is_correct": False},
    ]
    first = QuizQuestion(
        id=uuid.uuid4(),
        question_text="One?",
        question_type="multiple_choice",
        points=1,
        options=options,
    )
    second = QuizQuestion(id=uuid.uuid4(), question_text="Two?", question_type="essay", points=1)

    shown = public_questions(
        [first, second], [str(second.id), str(first.id)], {str(first.id): ["b", "a"]}
    )

    assert [q.id for q in shown] == [second.id, first.id]
    assert shown[1].options is not None
    assert [o.option_id for o in shown[1].options] == ["b", "a"]
    assert shown[0].options is None
