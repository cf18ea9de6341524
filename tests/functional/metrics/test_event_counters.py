"""Sign-ins and business events, counted as they happen and scraped from /metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared import bootstrap
from shared.domain.users import Role
from shared.messages.events import QuizSubmitted
from tests.accounts import PASSWORD, make_user
from tests.function_calls import call_http, json_of
from tests.functional.enrollments.calls import complete, enroll
from tests.learning import lessons_of, make_course
from tests.scrape import scrape
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _login(email: str, password: str) -> int:
    return call_http(
        "auth_login",
        "POST",
        "/api/v1/auth/login",
        json_body={"email": email, "password": password},
    ).status_code


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    bootstrap.reset()


def test_sign_ins_count_successes_failures_and_the_lockout_they_cause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_FAILED_LOGIN_ATTEMPTS", "3")
    bootstrap.reset()
    user, _ = make_user()
    assert _login(user.email, PASSWORD) == 200
    assert [_login(user.email, "wrong password!") for _ in range(3)] == [401, 401, 401]
    assert _login(user.email, PASSWORD) == 429  # locked: refused, counted as a failed attempt
    assert _login("nobody@example.org", "wrong password!") == 401

    figures = scrape()
    assert figures.value("auth_successful_logins_total") == 1
    assert figures.value("auth_failed_login_attempts_total") == 5
    assert figures.value("auth_account_lockouts_total") == 1


def test_registrations_enrollments_and_completions_are_counted_once_committed() -> None:
    response = call_http(
        "auth_register",
        "POST",
        "/api/v1/auth/register",
        json_body={"email": "new@example.org", "password": PASSWORD, "full_name": "New One"},
    )
    assert response.status_code == 201, response.get_body()
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1, title="Counting")
    _, token = make_user()
    enrollment = json_of(enroll(token, course.id))
    assert enroll(token, course.id).status_code == 200  # the same enrollment: not a new one
    complete(token, enrollment["id"], lessons_of(course)[0].id)

    figures = scrape()
    assert figures.value("lms_user_registrations_total", role="student") == 1
    assert figures.value("lms_user_registrations_total", role="instructor") == 0
    assert figures.value("lms_enrollments_total") == 1
    assert figures.value("lms_course_completions_total") == 1


def _quiz_submitted(passed: bool) -> QuizSubmitted:
    return QuizSubmitted(
        attempt_id=uuid.uuid4(),
        quiz_id=uuid.uuid4(),
        enrollment_id=uuid.uuid4(),
        student_id=uuid.uuid4(),
        percentage=Decimal("80.00" if passed else "20.00"),
        is_passed=passed,
        submitted_at=datetime.now(UTC),
    )


def test_an_event_published_in_a_transaction_that_rolls_back_is_not_counted() -> None:
    with unit_of_work() as uow:
        uow.publish(_quiz_submitted(True))  # never committed
    with unit_of_work() as uow:
        uow.publish(_quiz_submitted(True))
        uow.publish(_quiz_submitted(False))
        uow.commit()
    figures = scrape()
    assert figures.value("lms_quiz_submissions_total", result="passed") == 1
    assert figures.value("lms_quiz_submissions_total", result="failed") == 1
