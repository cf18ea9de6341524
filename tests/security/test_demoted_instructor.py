"""An instructor demoted to student manages nothing of what they built: the role is read at
every request, and every ownership rule asks for it (issue 14, case 3)."""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func
import pytest

from shared.domain.users import Role
from tests.accounts import bearer, demote, make_user
from tests.function_calls import call_http
from tests.functional.quizzes import scenario
from tests.learning import make_course

pytestmark = pytest.mark.usefixtures("database_url")


def calls(
    setup: scenario.QuizSetup, attempt_id: str
) -> dict[str, Callable[[str], func.HttpResponse]]:
    course, lesson, quiz = str(setup.course.id), str(setup.lesson.id), setup.quiz_id
    enrollment = str(setup.enrollment.id) if setup.enrollment else ""

    def call(
        name: str, method: str, path: str, body: object = None, **params: str
    ) -> Callable[[str], func.HttpResponse]:
        return lambda token: call_http(
            name, method, path, headers=bearer(token), json_body=body, route_params=params
        )

    return {
        "edit the course": call(
            "courses_update",
            "PATCH",
            f"/api/v1/courses/{course}",
            {"title": "Mine still"},
            course_id=course,
        ),
        "publish the course": call(
            "courses_publish", "POST", f"/api/v1/courses/{course}/publish", course_id=course
        ),
        "edit a lesson": call(
            "lessons_update",
            "PATCH",
            f"/api/v1/lessons/{lesson}",
            {"title": "Mine"},
            lesson_id=lesson,
        ),
        "add a lesson": call(
            "lessons_create",
            "POST",
            f"/api/v1/courses/{course}/lessons",
            {"title": "More", "lesson_type": "text", "content": "x"},
            course_id=course,
        ),
        "read the students": call(
            "enrollments_course_list",
            "GET",
            f"/api/v1/enrollments/courses/{course}",
            course_id=course,
        ),
        "read an enrollment": call(
            "enrollments_get", "GET", f"/api/v1/enrollments/{enrollment}", enrollment_id=enrollment
        ),
        "read the attempts": call(
            "attempts_list", "GET", scenario.attempts_path(quiz), quiz_id=quiz
        ),
        "read an attempt": call(
            "attempts_get",
            "GET",
            scenario.attempts_path(quiz, attempt_id),
            quiz_id=quiz,
            attempt_id=attempt_id,
        ),
        "edit the quiz": call(
            "quizzes_update",
            "PATCH",
            scenario.quizzes_path(course, quiz),
            {"title": "Mine"},
            course_id=course,
            quiz_id=quiz,
        ),
    }


@pytest.fixture
def built() -> tuple[scenario.QuizSetup, str]:
    setup = scenario.quiz_setup()
    attempt = scenario.ok(scenario.start(setup.quiz_id, setup.student_token), 201)
    return setup, str(attempt["id"])


ACTIONS = [
    "edit the course",
    "publish the course",
    "edit a lesson",
    "add a lesson",
    "read the students",
    "read an enrollment",
    "read the attempts",
    "read an attempt",
    "edit the quiz",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_demoted_instructor_is_refused(
    built: tuple[scenario.QuizSetup, str], action: str
) -> None:
    setup, attempt_id = built
    demote(setup.owner.id)

    response = calls(setup, attempt_id)[action](setup.owner_token)

    # Someone else's attempt is not found rather than forbidden, as for any student.
    assert response.status_code == (404 if action == "read an attempt" else 403), (
        response.get_body()
    )


@pytest.mark.parametrize(
    "action", ["edit the course", "read the students", "read the attempts", "read an attempt"]
)
def test_the_same_instructor_before_the_demotion_may(
    built: tuple[scenario.QuizSetup, str], action: str
) -> None:
    setup, attempt_id = built

    response = calls(setup, attempt_id)[action](setup.owner_token)

    assert response.status_code == 200, response.get_body()


def test_a_demoted_instructors_draft_course_is_hidden_from_them() -> None:
    owner, token = make_user(role=Role.INSTRUCTOR)
    draft = make_course(owner, published=False)
    demote(owner.id)

    response = call_http(
        "courses_get",
        "GET",
        f"/api/v1/courses/{draft.id}",
        headers=bearer(token),
        route_params={"course_id": str(draft.id)},
    )

    assert response.status_code == 403
