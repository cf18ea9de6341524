"""The time limit: a submission after the deadline expires the attempt (and that sticks
although the request fails); the quiz_attempts_expire timer expires abandoned attempts."""

from __future__ import annotations

import uuid

import pytest
from azure.functions.timer import TimerRequest
from sqlalchemy import select

from shared.domain.quizzes import QuizAnswer, QuizAttempt
from tests.clock import ManualClock
from tests.function_calls import functions_by_name
from tests.functional.quizzes.scenario import (
    MC,
    TF,
    detail,
    messages,
    my_attempts,
    ok,
    quiz_setup,
    start,
    submit,
)
from tests.learning import load
from tests.statements import counted_statements
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

RIGHT = [{"selected_option_id": "b"}, {"answer_text": "true"}]


def _answers(setup_questions: list[str]) -> list[dict[str, str]]:
    return [{"question_id": q, **a} for q, a in zip(setup_questions, RIGHT, strict=True)]


def _expire_by_timer() -> None:
    functions_by_name()["quiz_attempts_expire"].get_user_function()(
        timer=TimerRequest(past_due=False)
    )


def test_a_submission_before_the_deadline_is_graded(clock: ManualClock) -> None:
    setup = quiz_setup((MC, TF), time_limit_minutes=10)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    clock.advance(minutes=10)  # exactly at the deadline still counts

    result = ok(
        submit(
            setup.quiz_id,
            attempt["id"],
            _answers([setup.question(0), setup.question(1)]),
            setup.student_token,
        )
    )

    assert (result["status"], result["percentage"], result["is_passed"]) == (
        "graded",
        "100.00",
        True,
    )
    assert result["time_taken_seconds"] == 600


def test_a_late_submission_expires_the_attempt_and_the_expiry_is_kept(clock: ManualClock) -> None:
    setup = quiz_setup((MC, TF), time_limit_minutes=10)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    clock.advance(minutes=10, seconds=1)

    late = submit(
        setup.quiz_id,
        attempt["id"],
        _answers([setup.question(0), setup.question(1)]),
        setup.student_token,
    )

    assert (late.status_code, detail(late)) == (403, "Time limit exceeded for this attempt")
    stored = load(QuizAttempt, uuid.UUID(attempt["id"]))
    assert stored.status == "expired"
    assert (stored.score, stored.percentage, stored.is_passed) == (0.0, 0.0, False)
    assert stored.submitted_at is None and stored.graded_at == clock.now
    assert stored.time_taken_seconds == 600
    with unit_of_work() as uow:
        assert uow.session.scalars(select(QuizAnswer)).all() == []
    assert messages("webhooks", "quiz.submitted") == []  # not for time-expired attempts

    again = submit(setup.quiz_id, attempt["id"], [], setup.student_token)
    assert (again.status_code, detail(again)) == (403, "Time limit exceeded for this attempt")


def test_a_quiz_without_a_time_limit_never_expires(clock: ManualClock) -> None:
    setup = quiz_setup((MC,))
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    assert attempt["deadline_at"] is None
    clock.advance(days=30)
    _expire_by_timer()

    result = ok(submit(setup.quiz_id, attempt["id"], [], setup.student_token))

    assert result["status"] == "graded"
    assert result["time_taken_seconds"] == 30 * 86400


@pytest.mark.postgres
def test_the_timer_expires_every_abandoned_attempt_past_its_deadline_in_one_statement(
    clock: ManualClock,
) -> None:
    setup = quiz_setup((MC,), time_limit_minutes=15)
    abandoned = [ok(start(setup.quiz_id, setup.student_token), 201)]
    for _ in range(3):
        _, token = setup.another_student()
        abandoned.append(ok(start(setup.quiz_id, token), 201))
    clock.advance(minutes=10)
    _, fresh_token = setup.another_student()
    fresh = ok(start(setup.quiz_id, fresh_token), 201)  # 10 minutes younger
    clock.advance(minutes=6)

    with counted_statements() as statements:
        _expire_by_timer()

    # One for the expiry, one for the timer's heartbeat (its last success, for /ready).
    assert len(statements) == 2, statements
    assert "worker_heartbeats" in statements[1]
    for attempt in abandoned:
        stored = load(QuizAttempt, uuid.UUID(attempt["id"]))
        assert (stored.status, stored.score, stored.is_passed) == ("expired", 0.0, False)
        assert stored.time_taken_seconds == 15 * 60
        assert stored.graded_at == clock.now
    assert load(QuizAttempt, uuid.UUID(fresh["id"])).status == "in_progress"
    mine = ok(my_attempts(setup.quiz_id, setup.student_token))
    assert [a["status"] for a in mine] == ["expired"]


def test_the_timer_leaves_submitted_attempts_alone(clock: ManualClock) -> None:
    setup = quiz_setup((MC,), time_limit_minutes=1)
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)
    ok(submit(setup.quiz_id, attempt["id"], [], setup.student_token))
    clock.advance(hours=1)

    _expire_by_timer()

    assert load(QuizAttempt, uuid.UUID(attempt["id"])).status == "graded"


def test_the_timer_runs_on_its_own_schedule_setting() -> None:
    trigger = functions_by_name()["quiz_attempts_expire"].get_trigger().get_dict_repr()
    assert trigger["schedule"] == "%QUIZ_ATTEMPT_EXPIRY_SCHEDULE%"
