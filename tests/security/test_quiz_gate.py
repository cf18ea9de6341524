"""A lesson with an open quiz is completed by passing the quiz, never by marking it complete,
and so a course with such a lesson cannot be completed around its quiz (issue 14, case 16)."""

from __future__ import annotations

from typing import Any

import azure.functions as func
import pytest

from shared.domain.enrollments import Enrollment
from shared.services.progress import QUIZ_GATED
from tests.accounts import bearer
from tests.function_calls import call_http, json_of
from tests.functional.quizzes import scenario
from tests.learning import load

pytestmark = pytest.mark.usefixtures("database_url")


def progress_call(setup: scenario.QuizSetup, body: dict[str, Any] | None) -> func.HttpResponse:
    assert setup.enrollment is not None
    enrollment, lesson = str(setup.enrollment.id), str(setup.lesson.id)
    path = f"/api/v1/enrollments/{enrollment}/lessons/{lesson}"
    params = {"enrollment_id": enrollment, "lesson_id": lesson}
    headers = bearer(setup.student_token)
    if body is None:
        return call_http(
            "enrollments_complete_lesson",
            "POST",
            path + "/complete",
            headers=headers,
            route_params=params,
        )
    return call_http(
        "enrollments_update_progress",
        "PUT",
        path + "/progress",
        headers=headers,
        json_body=body,
        route_params=params,
    )


@pytest.mark.parametrize(
    "body",
    [None, {"status": "completed"}, {"completion_percentage": 100}],
    ids=["POST complete", "status completed", "100 percent"],
)
def test_a_quiz_lesson_cannot_be_marked_complete(body: dict[str, Any] | None) -> None:
    setup = scenario.quiz_setup((scenario.TF,), lessons=1)

    response = progress_call(setup, body)

    assert response.status_code == 400, response.get_body()
    assert json_of(response)["detail"] == QUIZ_GATED
    enrollment = load(Enrollment, setup.enrollment.id)  # type: ignore[union-attr]
    assert (enrollment.status, enrollment.completed_lessons_count) == ("active", 0)


def test_progress_short_of_completion_is_still_recorded() -> None:
    setup = scenario.quiz_setup((scenario.TF,), lessons=1)

    response = progress_call(setup, {"completion_percentage": 60, "time_spent_seconds": 90})

    assert response.status_code == 200, response.get_body()
    assert json_of(response)["status"] == "in_progress"


def test_a_draft_quiz_does_not_gate_its_lesson() -> None:
    setup = scenario.quiz_setup((scenario.TF,), lessons=1, publish=False)

    response = progress_call(setup, None)

    assert response.status_code == 200, response.get_body()


def test_passing_the_quiz_completes_the_lesson_and_the_course() -> None:
    setup = scenario.quiz_setup((scenario.TF,), lessons=1)
    attempt = scenario.ok(scenario.start(setup.quiz_id, setup.student_token), 201)
    answers = [{"question_id": setup.question(0), "answer_text": "true"}]

    scenario.ok(scenario.submit(setup.quiz_id, attempt["id"], answers, setup.student_token))

    enrollment = load(Enrollment, setup.enrollment.id)  # type: ignore[union-attr]
    assert enrollment.status == "completed"
    assert progress_call(setup, None).status_code == 200  # completing it again changes nothing
