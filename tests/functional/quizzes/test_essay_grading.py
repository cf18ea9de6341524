"""Essays: an attempt with answered essays waits in needs_grading; the course's managers
list a quiz's attempts (GET /quizzes/{id}/attempts) and grade each essay answer (POST
.../answers/{question_id}/grade); the last one graded finishes the attempt."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.enrollments import Enrollment, LessonProgress
from shared.domain.quizzes import QuizAnswer, QuizAttempt
from shared.domain.users import Role
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.functional.quizzes.scenario import (
    ESSAY,
    MC,
    QuizSetup,
    detail,
    get_attempt,
    grade,
    list_attempts,
    messages,
    ok,
    quiz_setup,
    start,
    submit,
)
from tests.learning import load
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

SECOND_ESSAY = {**ESSAY, "question_text": "Explain why sunsets are red.", "points": 3}


def _submitted(setup: QuizSetup, essays: tuple[str, ...] = ("Rayleigh", "Longer path")) -> str:
    """An attempt with the choice right and the essays answered: 2 of 10 points so far."""
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    answers: list[dict[str, Any]] = [{"question_id": setup.question(0), "selected_option_id": "b"}]
    for index, text in enumerate(essays, start=1):
        answers.append({"question_id": setup.question(index), "answer_text": text})
    result = ok(submit(setup.quiz_id, attempt["id"], answers, setup.student_token))
    assert result["status"] == "needs_grading"
    return str(attempt["id"])


def _essay_quiz(**fields: Any) -> QuizSetup:
    """Answers shown after each attempt, so a student's view shows each essay's grade."""
    fields.setdefault("show_correct_answers_after", "each_attempt")
    return quiz_setup((MC, ESSAY, SECOND_ESSAY), **fields)


def test_an_attempt_with_essays_waits_for_grading_with_no_score_yet() -> None:
    setup = _essay_quiz()
    attempt_id = _submitted(setup)

    stored = load(QuizAttempt, uuid.UUID(attempt_id))
    assert stored.status == "needs_grading"
    assert (stored.score, stored.percentage, stored.is_passed, stored.graded_at) == (
        None,
        None,
        None,
        None,
    )
    assert stored.submitted_at is not None
    view = ok(get_attempt(setup.quiz_id, attempt_id, setup.student_token))
    essays = [a for a in view["answers"] if a["question_type"] == "essay"]
    assert [(a["needs_grading"], a["is_correct"], a["points_earned"]) for a in essays] == [
        (True, None, None),
        (True, None, None),
    ]
    assert messages("webhooks", "quiz.submitted") == []


def test_grading_the_last_essay_finishes_the_attempt_and_runs_the_pass_effects() -> None:
    setup = _essay_quiz()
    attempt_id = _submitted(setup)

    first = ok(
        grade(
            setup.quiz_id,
            attempt_id,
            setup.question(1),
            {"points_earned": 5, "feedback": "Spot on."},
            setup.owner_token,
        )
    )
    assert first["status"] == "needs_grading"
    assert messages("webhooks", "quiz.submitted") == []

    done = ok(
        grade(
            setup.quiz_id, attempt_id, setup.question(2), {"points_earned": 1.5}, setup.owner_token
        )
    )

    # 2 + 5 + 1.5 = 8.5 of 10
    assert (done["status"], done["score"], done["percentage"], done["is_passed"]) == (
        "graded",
        "8.50",
        "85.00",
        True,
    )
    assert done["graded_at"] is not None
    [event] = messages("webhooks", "quiz.submitted")
    assert (event["attempt_id"], event["percentage"], event["is_passed"]) == (
        attempt_id,
        "85.00",
        True,
    )
    with unit_of_work() as uow:
        answer = uow.session.get(QuizAnswer, _answer_id(attempt_id, setup.question(1)))
        assert answer is not None
        assert (answer.points_earned, answer.is_correct, answer.feedback) == (5.0, True, "Spot on.")
        assert answer.graded_by == setup.owner.id and answer.graded_at is not None
        progress = uow.session.query(LessonProgress).filter_by(lesson_id=setup.lesson.id).one()
        assert progress.status == "completed"

    seen = ok(get_attempt(setup.quiz_id, attempt_id, setup.student_token))
    by_question = {a["question_id"]: a for a in seen["answers"]}
    assert by_question[setup.question(1)]["feedback"] == "Spot on."
    assert by_question[setup.question(2)]["points_earned"] == "1.50"


def test_an_essay_grade_that_completes_the_course_mails_the_student_not_the_grader() -> None:
    setup = _essay_quiz(lessons=1)
    attempt_id = _submitted(setup)
    for index in (1, 2):
        ok(
            grade(
                setup.quiz_id,
                attempt_id,
                setup.question(index),
                {"points_earned": 5 if index == 1 else 3},
                setup.owner_token,
            )
        )

    enrollment = load(Enrollment, setup.enrollment.id)  # type: ignore[union-attr]
    assert (enrollment.status, enrollment.progress_percentage) == ("completed", 100.0)
    assert len(messages("webhooks", "enrollment.completed")) == 1
    [mail] = messages("emails", "email.course_completed")
    assert mail["to"] == setup.student.email  # type: ignore[union-attr]


def _answer_id(attempt_id: str, question_id: str) -> uuid.UUID:
    with unit_of_work() as uow:
        found = uow.session.query(QuizAnswer.id).filter_by(
            attempt_id=uuid.UUID(attempt_id), question_id=uuid.UUID(question_id)
        )
        return found.one()[0]


def test_a_failed_essay_attempt_finishes_without_completing_the_lesson() -> None:
    setup = _essay_quiz()
    attempt_id = _submitted(setup)
    for index in (1, 2):
        ok(
            grade(
                setup.quiz_id,
                attempt_id,
                setup.question(index),
                {"points_earned": 0},
                setup.owner_token,
            )
        )

    result = ok(get_attempt(setup.quiz_id, attempt_id, setup.owner_token))
    assert (result["status"], result["percentage"], result["is_passed"]) == (
        "graded",
        "20.00",
        False,
    )
    [event] = messages("webhooks", "quiz.submitted")
    assert event["is_passed"] is False
    with unit_of_work() as uow:
        assert uow.session.query(LessonProgress).count() == 0


def test_unanswered_essays_earn_nothing_and_need_no_grading() -> None:
    setup = _essay_quiz()
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)

    result = ok(
        submit(
            setup.quiz_id,
            attempt["id"],
            [{"question_id": setup.question(0), "selected_option_id": "b"}],
            setup.student_token,
        )
    )

    assert (result["status"], result["score"], result["percentage"]) == ("graded", "2.00", "20.00")


def test_grading_refuses_what_is_not_a_pending_essay_within_its_points() -> None:
    setup = _essay_quiz()
    attempt_id = _submitted(setup)

    too_many = grade(
        setup.quiz_id, attempt_id, setup.question(1), {"points_earned": 5.01}, setup.owner_token
    )
    assert (too_many.status_code, detail(too_many)) == (
        400,
        "points_earned must be between 0 and 5",
    )
    negative = grade(
        setup.quiz_id, attempt_id, setup.question(1), {"points_earned": -1}, setup.owner_token
    )
    assert negative.status_code == 422
    not_essay = grade(
        setup.quiz_id, attempt_id, setup.question(0), {"points_earned": 0}, setup.owner_token
    )
    assert (not_essay.status_code, detail(not_essay)) == (
        400,
        "Only essay answers are graded by hand",
    )
    unknown = grade(
        setup.quiz_id, attempt_id, uuid.uuid4(), {"points_earned": 0}, setup.owner_token
    )
    assert (unknown.status_code, detail(unknown)) == (404, "Answer not found")

    for index in (1, 2):
        ok(
            grade(
                setup.quiz_id,
                attempt_id,
                setup.question(index),
                {"points_earned": 1},
                setup.owner_token,
            )
        )
    final = grade(
        setup.quiz_id, attempt_id, setup.question(1), {"points_earned": 5}, setup.owner_token
    )
    assert (final.status_code, detail(final)) == (
        409,
        "This attempt is already graded; its result is final",
    )


def test_an_attempt_in_progress_has_nothing_to_grade() -> None:
    setup = _essay_quiz()
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    response = grade(
        setup.quiz_id, attempt["id"], setup.question(1), {"points_earned": 1}, setup.owner_token
    )
    assert (response.status_code, detail(response)) == (
        409,
        "This attempt has not been submitted yet",
    )


def test_only_the_courses_managers_list_and_grade_attempts() -> None:
    setup = _essay_quiz()
    attempt_id = _submitted(setup)
    other_instructor = make_user(role=Role.INSTRUCTOR)[1]
    admin = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]

    for token in (other_instructor, setup.student_token):
        listed = list_attempts(setup.quiz_id, token)
        assert (listed.status_code, detail(listed)) == (
            403,
            "Not authorized to view attempts for this quiz",
        )
        graded = grade(setup.quiz_id, attempt_id, setup.question(1), {"points_earned": 1}, token)
        assert (graded.status_code, detail(graded)) == (
            403,
            "Not authorized to grade attempts for this quiz",
        )
    assert ok(list_attempts(setup.quiz_id, admin))["total"] == 1
    ok(grade(setup.quiz_id, attempt_id, setup.question(1), {"points_earned": 1}, admin))


def test_a_quizs_attempts_are_listed_newest_first_and_filtered_by_status(
    clock: ManualClock,
) -> None:
    setup = _essay_quiz()
    waiting = _submitted(setup)
    clock.advance(minutes=1)
    _, second_token = setup.another_student()
    in_progress = ok(start(setup.quiz_id, second_token), 201)
    clock.advance(minutes=1)
    _, third_token = setup.another_student()
    newest = ok(start(setup.quiz_id, third_token), 201)

    page = ok(list_attempts(setup.quiz_id, setup.owner_token, "?page_size=2"))
    assert (page["total"], page["page"], page["page_size"], page["total_pages"]) == (3, 1, 2, 2)
    assert [a["id"] for a in page["items"]] == [newest["id"], in_progress["id"]]
    assert page["items"][0]["student_email"].startswith("student-")

    queue = ok(list_attempts(setup.quiz_id, setup.owner_token, "?status=needs_grading"))
    assert [a["id"] for a in queue["items"]] == [waiting]
    assert queue["items"][0]["student_name"] == "Test User"
    bad = list_attempts(setup.quiz_id, setup.owner_token, "?status=submitted")
    assert bad.status_code == 422
