"""/courses/{id}/quizzes/{id}/questions: the public list (never the answers), the manage
view, create, change, delete, reorder; and what stops changing once a quiz has attempts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.quizzes import QuizQuestion
from shared.domain.users import Role
from tests.accounts import make_user
from tests.functional.quizzes.scenario import (
    ESSAY,
    MC,
    SHORT,
    TF,
    QuizSetup,
    create_question,
    delete_question,
    detail,
    list_questions,
    ok,
    quiz_setup,
    reorder_questions,
    start,
    update_question,
)
from tests.learning import load

pytestmark = pytest.mark.usefixtures("database_url")

NUMBER = {
    "question_text": "How many moons has Mars?",
    "question_type": "numerical",
    "numeric_answer": 2,
}


def _ids(body: list[dict[str, Any]]) -> list[str]:
    return [q["id"] for q in body]


def test_the_public_list_never_shows_answers_or_explanations() -> None:
    setup = quiz_setup((MC, TF, SHORT, NUMBER, ESSAY))

    public = ok(list_questions(setup.course.id, setup.quiz_id, setup.student_token))

    assert _ids(public) == [setup.question(i) for i in range(5)]
    assert public[0] == {
        "id": setup.question(0),
        "question_text": MC["question_text"],
        "question_type": "multiple_choice",
        "points": "2.00",
        "options": [
            {"option_id": "a", "option_text": "Mars"},
            {"option_id": "b", "option_text": "Jupiter"},
            {"option_id": "c", "option_text": "Venus"},
        ],
    }
    assert {tuple(sorted(q)) for q in public} == {
        ("id", "options", "points", "question_text", "question_type")
    }
    assert all(q["options"] is None for q in public[1:])


def test_the_manage_view_shows_every_answer_key_to_managers_only() -> None:
    setup = quiz_setup((MC, TF, SHORT, NUMBER))
    admin = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]

    managed = ok(list_questions(setup.course.id, setup.quiz_id, admin, manage=True))

    assert [q["order_index"] for q in managed] == [1, 2, 3, 4]
    assert managed[0]["options"][1] == {
        "option_id": "b",
        "option_text": "Jupiter",
        "is_correct": True,
    }
    assert managed[0]["explanation"] == MC["explanation"]
    assert managed[1]["correct_answer"] == "true"
    assert managed[2]["accepted_answers"] == ["Paris"]
    assert (managed[3]["numeric_answer"], managed[3]["tolerance"]) == (2.0, 0.0)
    refused = list_questions(setup.course.id, setup.quiz_id, setup.student_token, manage=True)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "caller, status",
    [
        ("anonymous", 403),
        ("another student", 403),
        ("dropped student", 403),
        ("enrolled student", 200),
        ("graduated student", 200),
        ("other instructor", 403),
        ("owning instructor", 200),
    ],
)
def test_who_reads_the_questions_of_a_published_quiz(caller: str, status: int) -> None:
    setup = quiz_setup()
    token = {
        "anonymous": None,
        "another student": make_user(role=Role.STUDENT)[1],
        "dropped student": setup.another_student("dropped")[1],
        "enrolled student": setup.student_token,
        "graduated student": setup.another_student("completed")[1],
        "other instructor": make_user(role=Role.INSTRUCTOR)[1],
        "owning instructor": setup.owner_token,
    }[caller]
    assert list_questions(setup.course.id, setup.quiz_id, token).status_code == status


def test_an_unpublished_quizs_questions_are_for_managers_only() -> None:
    setup = quiz_setup(publish=False)
    refused = list_questions(setup.course.id, setup.quiz_id, setup.student_token)
    assert (refused.status_code, detail(refused)) == (403, "Not authorized to access this quiz")
    assert len(ok(list_questions(setup.course.id, setup.quiz_id, setup.owner_token))) == 2


def test_questions_are_appended_and_option_ids_are_generated_when_left_out() -> None:
    setup = quiz_setup((TF,), publish=False)
    body = {
        "question_text": "Pick the even number",
        "question_type": "multiple_choice",
        "options": [{"option_text": "2", "is_correct": True}, {"option_text": "3"}],
        "metadata": {"topic": "numbers"},
    }

    created = ok(create_question(setup.course.id, setup.quiz_id, body, setup.owner_token), 201)

    assert created["order_index"] == 2
    assert created["points"] == "1.00"
    assert created["metadata"] == {"topic": "numbers"}
    assert all(uuid.UUID(o["option_id"]) for o in created["options"])
    assert load(QuizQuestion, uuid.UUID(created["id"])).quiz_id == uuid.UUID(setup.quiz_id)


@pytest.mark.parametrize(
    "body, message",
    [
        ({**MC, "options": MC["options"][:1]}, "at least 2 options"),
        (
            {**MC, "options": [{**o, "is_correct": True} for o in MC["options"]]},
            "Multiple choice questions must have exactly 1 correct option",
        ),
        ({**TF, "correct_answer": "maybe"}, "true or false"),
        ({**SHORT, "accepted_answers": []}, "needs accepted_answers"),
        ({**NUMBER, "numeric_answer": None}, "finite numeric_answer"),
        ({**ESSAY, "correct_answer": "x"}, "takes no correct_answer"),
    ],
)
def test_a_question_that_cannot_be_graded_is_refused(body: dict[str, Any], message: str) -> None:
    setup = quiz_setup((), publish=False)
    response = create_question(setup.course.id, setup.quiz_id, body, setup.owner_token)
    assert response.status_code == 400
    assert message in detail(response)


def test_the_reference_short_answer_with_one_correct_answer_is_accepted() -> None:
    setup = quiz_setup((), publish=False)
    body = {"question_text": "Capital of Italy?", "question_type": "short_answer"}
    created = ok(
        create_question(
            setup.course.id, setup.quiz_id, {**body, "correct_answer": "Rome"}, setup.owner_token
        ),
        201,
    )
    assert (created["accepted_answers"], created["correct_answer"]) == (["Rome"], "Rome")

    changed = ok(
        update_question(
            setup.course.id,
            setup.quiz_id,
            created["id"],
            {"correct_answer": "Roma"},
            setup.owner_token,
        )
    )
    assert changed["accepted_answers"] == ["Roma"]


def test_patch_merges_the_change_and_checks_the_whole_question_again() -> None:
    setup = quiz_setup((MC,), publish=False)
    question_id = setup.question(0)

    refused = update_question(
        setup.course.id,
        setup.quiz_id,
        question_id,
        {"question_type": "true_false", "correct_answer": "true"},
        setup.owner_token,
    )
    assert (refused.status_code, detail(refused)) == (400, "A true_false question takes no options")

    changed = ok(
        update_question(
            setup.course.id,
            setup.quiz_id,
            question_id,
            {"question_type": "true_false", "correct_answer": "FALSE", "options": None},
            setup.owner_token,
        )
    )
    assert (changed["question_type"], changed["correct_answer"], changed["options"]) == (
        "true_false",
        "false",
        None,
    )
    assert changed["points"] == "2.00"  # left out: kept
    null = update_question(
        setup.course.id, setup.quiz_id, question_id, {"points": None}, setup.owner_token
    )
    assert (null.status_code, detail(null)) == (400, "points cannot be null")
    missing = update_question(
        setup.course.id, setup.quiz_id, uuid.uuid4(), {"points": 1}, setup.owner_token
    )
    assert (missing.status_code, detail(missing)) == (404, "Question not found")


def test_a_question_of_another_quiz_is_not_found() -> None:
    setup = quiz_setup((MC,), publish=False)
    other = quiz_setup((TF,), publish=False)
    response = update_question(
        setup.course.id, setup.quiz_id, other.question(0), {"points": 3}, setup.owner_token
    )
    assert response.status_code == 404


def test_delete_removes_a_question_but_not_the_last_of_a_published_quiz() -> None:
    setup = quiz_setup((MC, TF))

    assert (
        delete_question(setup.course.id, setup.quiz_id, setup.question(0), setup.owner_token)
    ).status_code == 204
    last = delete_question(setup.course.id, setup.quiz_id, setup.question(1), setup.owner_token)

    assert (last.status_code, detail(last)) == (
        409,
        "A published quiz needs at least one question; unpublish it first",
    )
    assert load(QuizQuestion, uuid.UUID(setup.question(0))) is None


def test_reorder_puts_every_question_in_the_order_given() -> None:
    setup = quiz_setup((MC, TF, SHORT))
    wanted = [setup.question(2), setup.question(0), setup.question(1)]

    body = ok(reorder_questions(setup.course.id, setup.quiz_id, wanted, setup.owner_token))

    assert _ids(body) == wanted
    assert [q["order_index"] for q in body] == [1, 2, 3]
    assert _ids(ok(list_questions(setup.course.id, setup.quiz_id, setup.student_token))) == wanted
    for bad in (wanted[:2], [*wanted, wanted[0]], [*wanted[:2], str(uuid.uuid4())]):
        refused = reorder_questions(setup.course.id, setup.quiz_id, bad, setup.owner_token)
        assert refused.status_code in (400, 422), bad


def _attempted(setup: QuizSetup) -> None:
    ok(start(setup.quiz_id, setup.student_token), 201)


def test_once_attempted_questions_are_not_added_deleted_or_reordered() -> None:
    setup = quiz_setup((MC, TF))
    _attempted(setup)

    for response in (
        create_question(setup.course.id, setup.quiz_id, SHORT, setup.owner_token),
        delete_question(setup.course.id, setup.quiz_id, setup.question(0), setup.owner_token),
        reorder_questions(
            setup.course.id,
            setup.quiz_id,
            [setup.question(1), setup.question(0)],
            setup.owner_token,
        ),
    ):
        assert response.status_code == 409
        assert "This quiz has attempts" in detail(response)


def test_once_attempted_only_the_wording_of_a_question_changes() -> None:
    setup = quiz_setup((MC, TF))
    _attempted(setup)
    question_id = setup.question(0)

    reworded = ok(
        update_question(
            setup.course.id,
            setup.quiz_id,
            question_id,
            {
                "question_text": "Which planet is the biggest?",
                "explanation": "By mass.",
                "points": 2,
            },
            setup.owner_token,
        )
    )
    assert (reworded["question_text"], reworded["explanation"]) == (
        "Which planet is the biggest?",
        "By mass.",
    )
    for change in (
        {"points": 5},
        {"options": [{**o, "is_correct": o["option_id"] == "a"} for o in MC["options"]]},
        {"question_type": "multiple_answers"},
    ):
        refused = update_question(
            setup.course.id, setup.quiz_id, question_id, change, setup.owner_token
        )
        assert refused.status_code == 409, change
        assert "results already given must stay explainable" in detail(refused)


def test_only_managers_write_questions() -> None:
    setup = quiz_setup((MC,), publish=False)
    other = make_user(role=Role.INSTRUCTOR)[1]
    assert create_question(setup.course.id, setup.quiz_id, TF, other).status_code == 403
    assert (
        update_question(setup.course.id, setup.quiz_id, setup.question(0), {"points": 1}, other)
    ).status_code == 403
    assert (
        delete_question(setup.course.id, setup.quiz_id, setup.question(0), other)
    ).status_code == 403
    assert (
        reorder_questions(setup.course.id, setup.quiz_id, [setup.question(0)], other)
    ).status_code == 403
