"""POST .../attempts/{id}/submit, GET .../my-attempts and GET .../attempts/{id}: grading
every question type, what is refused, what a pass does, and who sees which details."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.domain.enrollments import Enrollment, LessonProgress
from shared.domain.inbox import ProcessedMessage
from shared.domain.quizzes import QuizAnswer, QuizAttempt
from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http
from tests.functional.enrollments.calls import drop, run_queue, types_on
from tests.functional.quizzes.scenario import (
    MC,
    SHORT,
    TF,
    QuizSetup,
    detail,
    get_attempt,
    messages,
    my_attempts,
    ok,
    quiz_setup,
    start,
    submit,
)
from tests.learning import load
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

MANY = {
    "question_text": "Which of these are prime?",
    "question_type": "multiple_answers",
    "points": 3,
    "options": [
        {"option_id": "2", "option_text": "two", "is_correct": True},
        {"option_id": "3", "option_text": "three", "is_correct": True},
        {"option_id": "4", "option_text": "four"},
        {"option_id": "5", "option_text": "five", "is_correct": True},
    ],
}
NUMBER = {
    "question_text": "What is pi to two places?",
    "question_type": "numerical",
    "numeric_answer": 3.14,
    "tolerance": 0.005,
}
EVERY_TYPE = (MC, MANY, TF, SHORT, NUMBER)  # 2 + 3 + 1 + 1 + 1 = 8 points


def _take(setup: QuizSetup, answers: list[dict[str, Any]], token: str | None = None) -> Any:
    token = token or setup.student_token
    attempt = ok(start(setup.quiz_id, token), 201)
    return attempt["id"], submit(setup.quiz_id, attempt["id"], answers, token)


def _answers_of(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["question_id"]: a for a in result["answers"]}


def test_every_automatic_type_is_graded_on_submit() -> None:
    setup = quiz_setup(EVERY_TYPE, partial_credit=True, show_correct_answers_after="each_attempt")
    q = [setup.question(i) for i in range(5)]

    attempt_id, response = _take(
        setup,
        [
            {"question_id": q[0], "selected_option_id": "b"},  # right: 2
            {"question_id": q[1], "selected_option_ids": ["2", "3", "4"]},  # (2-1)/3 of 3: 1
            {"question_id": q[2], "answer_text": "  TRUE"},  # right: 1
            {"question_id": q[3], "answer_text": " paris "},  # right: 1
            {"question_id": q[4], "answer_text": "3.1"},  # wrong: 0
        ],
    )

    result = ok(response)
    assert result["status"] == "graded"
    assert (result["score"], result["max_score"], result["percentage"]) == ("5.00", "8.00", "62.50")
    assert result["is_passed"] is False
    by_question = _answers_of(result)
    assert [by_question[i]["points_earned"] for i in q] == ["2.00", "1.00", "1.00", "1.00", "0.00"]
    assert [by_question[i]["is_correct"] for i in q] == [True, False, True, True, False]
    assert by_question[q[4]]["numeric_value"] == 3.1
    with unit_of_work() as uow:
        stored = uow.session.scalars(
            select(QuizAnswer).where(QuizAnswer.attempt_id == uuid.UUID(attempt_id))
        ).all()
    assert len(stored) == 5
    assert load(QuizAttempt, uuid.UUID(attempt_id)).score == 5.0


def test_all_or_nothing_multiple_answers_earn_nothing_for_a_partial_selection() -> None:
    setup = quiz_setup((MANY,))
    _, response = _take(
        setup, [{"question_id": setup.question(0), "selected_option_ids": ["2", "3"]}]
    )
    assert ok(response)["score"] == "0.00"


def test_unanswered_questions_score_zero() -> None:
    setup = quiz_setup((MC, TF), passing_score=50, show_correct_answers_after="each_attempt")
    _, response = _take(setup, [{"question_id": setup.question(1), "answer_text": "true"}])

    result = ok(response)
    assert (result["score"], result["percentage"], result["is_passed"]) == ("1.00", "33.33", False)
    assert _answers_of(result)[setup.question(0)]["is_correct"] is False


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"question_index": 0, "selected_option_id": "z"}, "does not belong to the question"),
        ({"question_index": 0, "answer_text": "b"}, "Select one option"),
        ({"question_index": 1, "selected_option_id": "b"}, "takes no selected options"),
        ({"question_index": 1, "answer_text": "maybe"}, "Answer true or false"),
        ({"question_index": 1, "answer_text": "  "}, "answer_text is required"),
        ({"question_id": str(uuid.uuid4()), "answer_text": "x"}, "does not belong to this quiz"),
    ],
)
def test_an_invalid_answer_is_refused_and_the_attempt_stays_open(
    answer: dict[str, Any], message: str
) -> None:
    setup = quiz_setup((MC, TF))
    answer = dict(answer)
    if "question_index" in answer:
        answer["question_id"] = setup.question(answer.pop("question_index"))
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)

    response = submit(setup.quiz_id, attempt["id"], [answer], setup.student_token)

    assert response.status_code == 400
    assert message in detail(response)
    assert load(QuizAttempt, uuid.UUID(attempt["id"])).status == "in_progress"


def test_a_question_answered_twice_is_refused() -> None:
    setup = quiz_setup((TF,))
    answer = {"question_id": setup.question(0), "answer_text": "true"}
    _, response = _take(setup, [answer, answer])
    assert response.status_code == 400
    assert detail(response) == "Duplicate answer for the same question is not allowed"


def test_a_non_finite_number_is_refused() -> None:
    setup = quiz_setup((NUMBER,))
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    for answer in ({"answer_text": "inf"}, {"answer_text": "NaN"}):
        response = submit(
            setup.quiz_id,
            attempt["id"],
            [{"question_id": setup.question(0), **answer}],
            setup.student_token,
        )
        assert response.status_code == 400, answer


def test_an_attempt_is_submitted_once() -> None:
    setup = quiz_setup((TF,))
    attempt_id, response = _take(setup, [])
    ok(response)

    again = submit(setup.quiz_id, attempt_id, [], setup.student_token)

    assert (again.status_code, detail(again)) == (403, "Attempt is already submitted")


def test_another_students_attempt_or_another_quiz_is_not_found() -> None:
    setup = quiz_setup((TF,))
    other_quiz = quiz_setup((TF,))
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    _, stranger = setup.another_student()

    for quiz_id, token in ((setup.quiz_id, stranger), (other_quiz.quiz_id, setup.student_token)):
        response = submit(quiz_id, attempt["id"], [], token)
        assert (response.status_code, detail(response)) == (404, "Attempt not found")


def test_a_graded_attempt_announces_quiz_submitted() -> None:
    setup = quiz_setup((MC, TF))
    attempt_id, response = _take(
        setup, [{"question_id": setup.question(0), "selected_option_id": "b"}]
    )
    result = ok(response)

    [event] = messages("webhooks", "quiz.submitted")
    assert event == {
        "attempt_id": attempt_id,
        "quiz_id": setup.quiz_id,
        "enrollment_id": str(setup.enrollment.id),  # type: ignore[union-attr]
        "student_id": str(setup.student.id),  # type: ignore[union-attr]
        "percentage": "66.67",
        "is_passed": False,
        "submitted_at": event["submitted_at"],
    }
    assert event["submitted_at"].startswith(result["submitted_at"].rstrip("Z"))


def test_the_webhooks_queue_handles_quiz_submitted_and_graded_instead_of_dead_lettering() -> None:
    setup = quiz_setup((TF,))
    ok(_take(setup, [])[1])

    # A type without a handler raises in the queue function, and the broker dead-letters it.
    assert sorted(types_on("webhooks")) == ["quiz.graded", "quiz.submitted"]
    assert run_queue("webhooks") == 2
    with unit_of_work() as uow:
        handled = uow.session.scalar(
            select(func.count())
            .select_from(ProcessedMessage)
            .where(ProcessedMessage.consumer == "webhooks")
        )
    assert handled == 2


def _lesson_progress(setup: QuizSetup) -> LessonProgress | None:
    with unit_of_work() as uow:
        row = uow.session.scalar(
            select(LessonProgress).where(
                LessonProgress.enrollment_id == setup.enrollment.id,  # type: ignore[union-attr]
                LessonProgress.lesson_id == setup.lesson.id,
            )
        )
        uow.session.expunge_all()
        return row


def test_a_pass_completes_the_quiz_lesson_and_a_fail_does_not() -> None:
    setup = quiz_setup((MC, TF), lessons=2)
    ok(_take(setup, [])[1])  # 0 %: failed
    assert _lesson_progress(setup) is None

    result = ok(
        _take(setup, [{"question_id": setup.question(0), "selected_option_id": "b"}])[1]
    )  # 66.67 % < 70
    assert result["is_passed"] is False
    passed = ok(
        _take(
            setup,
            [
                {"question_id": setup.question(0), "selected_option_id": "b"},
                {"question_id": setup.question(1), "answer_text": "true"},
            ],
        )[1]
    )

    assert passed["is_passed"] is True
    progress = _lesson_progress(setup)
    assert progress is not None and progress.status == "completed"
    enrollment = load(Enrollment, setup.enrollment.id)  # type: ignore[union-attr]
    assert (enrollment.completed_lessons_count, enrollment.progress_percentage) == (1, 50.0)
    assert enrollment.status == "active"


def test_passing_the_quiz_of_the_last_open_lesson_completes_the_enrollment() -> None:
    setup = quiz_setup((TF,), lessons=1)

    ok(_take(setup, [{"question_id": setup.question(0), "answer_text": "true"}])[1])

    enrollment = load(Enrollment, setup.enrollment.id)  # type: ignore[union-attr]
    assert enrollment.status == "completed"
    assert enrollment.progress_percentage == 100.0
    [completed] = messages("progress", "enrollment.completed")
    assert completed["enrollment_id"] == str(setup.enrollment.id)  # type: ignore[union-attr]

    # Passing again changes nothing and announces nothing new.
    ok(_take(setup, [{"question_id": setup.question(0), "answer_text": "true"}])[1])
    assert len(messages("progress", "enrollment.completed")) == 1
    assert len(messages("webhooks", "quiz.submitted")) == 2


def test_a_pass_after_dropping_the_course_keeps_its_result_but_records_no_progress() -> None:
    setup = quiz_setup((TF,), lessons=1)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    ok(drop(setup.student_token, setup.enrollment.id))  # type: ignore[union-attr]

    answers = [{"question_id": setup.question(0), "answer_text": "true"}]
    result = ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))

    assert (result["status"], result["is_passed"]) == ("graded", True)
    assert _lesson_progress(setup) is None
    enrollment = load(Enrollment, setup.enrollment.id)  # type: ignore[union-attr]
    assert (enrollment.status, enrollment.completed_lessons_count) == ("dropped", 0)
    assert messages("progress", "enrollment.completed") == []


def test_my_attempts_lists_the_callers_attempts_first_to_last() -> None:
    setup = quiz_setup((TF,))
    first, _ = _take(setup, [])
    second = ok(start(setup.quiz_id, setup.student_token), 201)
    _, other = setup.another_student()
    ok(start(setup.quiz_id, other), 201)

    mine = ok(my_attempts(setup.quiz_id, setup.student_token))

    assert [(a["id"], a["attempt_number"], a["status"]) for a in mine] == [
        (first, 1, "graded"),
        (second["id"], 2, "in_progress"),
    ]
    assert "answers" not in mine[0]
    missing = my_attempts(uuid.uuid4(), setup.student_token)
    assert (missing.status_code, detail(missing)) == (404, "Quiz not found")


def test_an_attempt_is_read_by_its_student_the_courses_instructor_and_admins() -> None:
    setup = quiz_setup((MC, TF))
    attempt_id, response = _take(
        setup, [{"question_id": setup.question(0), "selected_option_id": "b"}]
    )
    ok(response)
    admin = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    other_instructor = make_user(role=Role.INSTRUCTOR)[1]
    _, other_student = setup.another_student()

    for token in (setup.student_token, setup.owner_token, admin):
        result = ok(get_attempt(setup.quiz_id, attempt_id, token))
        assert result["score"] == "2.00"
        assert [a["question_id"] for a in result["answers"]] == [
            setup.question(0),
            setup.question(1),
        ]
    for token in (other_instructor, other_student):
        refused = get_attempt(setup.quiz_id, attempt_id, token)
        assert (refused.status_code, detail(refused)) == (404, "Attempt not found")


def test_with_correct_answers_shown_a_student_sees_the_solution_and_explanation() -> None:
    setup = quiz_setup((MC,), show_correct_answers_after="each_attempt")
    attempt_id, response = _take(
        setup, [{"question_id": setup.question(0), "selected_option_id": "a"}]
    )
    [answer] = ok(response)["answers"]

    assert (answer["is_correct"], answer["points_earned"]) == (False, "0.00")
    assert answer["solution"]["correct_option_ids"] == ["b"]
    assert answer["explanation"] == MC["explanation"]
    assert ok(get_attempt(setup.quiz_id, attempt_id, setup.student_token))["answers"] == [answer]


def test_with_correct_answers_hidden_a_student_sees_only_the_score_and_the_verdict() -> None:
    setup = quiz_setup((MC, TF), show_correct_answers=False, passing_score=50)
    attempt_id, response = _take(
        setup, [{"question_id": setup.question(0), "selected_option_id": "a"}]
    )

    for result in (
        ok(response),
        ok(get_attempt(setup.quiz_id, attempt_id, setup.student_token)),
    ):
        assert (result["score"], result["percentage"], result["is_passed"]) == (
            "0.00",
            "0.00",
            False,
        )
        for answer in result["answers"]:
            assert not {"is_correct", "points_earned", "solution", "explanation"} & set(answer)
        assert _answers_of(result)[setup.question(0)]["selected_option_id"] == "a"

    managed = ok(get_attempt(setup.quiz_id, attempt_id, setup.owner_token))
    by_question = _answers_of(managed)
    assert by_question[setup.question(0)]["is_correct"] is False
    assert by_question[setup.question(0)]["solution"]["correct_option_ids"] == ["b"]
    assert by_question[setup.question(1)]["solution"]["correct_answer"] == "true"


def test_a_body_without_answers_is_refused_with_422_and_the_attempt_stays_open() -> None:
    setup = quiz_setup((MC, TF), max_attempts=1)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)

    response = call_http(
        "attempts_submit",
        "POST",
        f"/api/v1/quizzes/{setup.quiz_id}/attempts/{attempt['id']}/submit",
        headers=bearer(setup.student_token),
        json_body={},
        route_params={"quiz_id": setup.quiz_id, "attempt_id": attempt["id"]},
    )

    assert response.status_code == 422
    assert "answers" in response.get_body().decode()
    stored = load(QuizAttempt, uuid.UUID(attempt["id"]))
    assert (stored.status, stored.submitted_at) == ("in_progress", None)
    # An explicit empty list is a deliberate blank submission: graded, the attempt spent.
    blank = ok(submit(setup.quiz_id, attempt["id"], [], setup.student_token))
    assert (blank["status"], blank["percentage"]) == ("graded", "0.00")
