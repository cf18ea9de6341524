"""What the quiz tests share: calls to every quiz route, a course with a published quiz and
an enrolled student, and the messages published so far. Tests move time with the `clock`
fixture (tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import azure.functions as func
from sqlalchemy import select

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.domain.users import Role, User
from shared.messaging.envelope import Envelope
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.learning import lessons_of, make_course, make_enrollment
from tests.unit_of_work import unit_of_work

MC = {
    "question_text": "Which planet is the largest?",
    "question_type": "multiple_choice",
    "points": 2,
    "explanation": "Jupiter is more than twice as massive as the others combined.",
    "options": [
        {"option_id": "a", "option_text": "Mars"},
        {"option_id": "b", "option_text": "Jupiter", "is_correct": True},
        {"option_id": "c", "option_text": "Venus"},
    ],
}
TF = {
    "question_text": "The Sun is a star.",
    "question_type": "true_false",
    "correct_answer": "True",
}
SHORT = {
    "question_text": "Name the capital of France.",
    "question_type": "short_answer",
    "accepted_answers": ["Paris"],
}
ESSAY = {
    "question_text": "Explain why the sky is blue.",
    "question_type": "essay",
    "points": 5,
}


def _call(
    name: str, method: str, path: str, token: str | None, body: Any = None, **ids: object
) -> func.HttpResponse:
    return call_http(
        name,
        method,
        path,
        headers=bearer(token) if token else {},
        json_body=body,
        route_params={key: str(value) for key, value in ids.items()},
    )


def quizzes_path(course_id: object, *rest: object) -> str:
    return "/".join([f"/api/v1/courses/{course_id}/quizzes", *map(str, rest)])


def attempts_path(quiz_id: object, *rest: object) -> str:
    return "/".join([f"/api/v1/quizzes/{quiz_id}/attempts", *map(str, rest)])


# --- quizzes and questions ------------------------------------------------------------------


def list_quizzes(course_id: object, token: str | None) -> func.HttpResponse:
    return _call("quizzes_list", "GET", quizzes_path(course_id), token, course_id=course_id)


def create_quiz(course_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    path = quizzes_path(course_id)
    return _call("quizzes_create", "POST", path, token, body, course_id=course_id)


def get_quiz(course_id: object, quiz_id: object, token: str | None) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id)
    return _call("quizzes_get", "GET", path, token, course_id=course_id, quiz_id=quiz_id)


def update_quiz(
    course_id: object, quiz_id: object, body: dict[str, Any], token: str | None
) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id)
    return _call("quizzes_update", "PATCH", path, token, body, course_id=course_id, quiz_id=quiz_id)


def delete_quiz(course_id: object, quiz_id: object, token: str | None) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id)
    return _call("quizzes_delete", "DELETE", path, token, course_id=course_id, quiz_id=quiz_id)


def quiz_action(
    action: str, course_id: object, quiz_id: object, token: str | None
) -> func.HttpResponse:
    """POST .../publish or .../archive."""
    path = quizzes_path(course_id, quiz_id, action)
    return _call(f"quizzes_{action}", "POST", path, token, course_id=course_id, quiz_id=quiz_id)


def list_questions(
    course_id: object, quiz_id: object, token: str | None, *, manage: bool = False
) -> func.HttpResponse:
    name, path = ("questions_list", quizzes_path(course_id, quiz_id, "questions"))
    if manage:
        name, path = "questions_manage", path + "/manage"
    return _call(name, "GET", path, token, course_id=course_id, quiz_id=quiz_id)


def create_question(
    course_id: object, quiz_id: object, body: dict[str, Any], token: str | None
) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id, "questions")
    return _call(
        "questions_create", "POST", path, token, body, course_id=course_id, quiz_id=quiz_id
    )


def update_question(
    course_id: object, quiz_id: object, question_id: object, body: Any, token: str | None
) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id, "questions", question_id)
    ids = {"course_id": course_id, "quiz_id": quiz_id, "question_id": question_id}
    return _call("questions_update", "PATCH", path, token, body, **ids)


def delete_question(
    course_id: object, quiz_id: object, question_id: object, token: str | None
) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id, "questions", question_id)
    ids = {"course_id": course_id, "quiz_id": quiz_id, "question_id": question_id}
    return _call("questions_delete", "DELETE", path, token, **ids)


def reorder_questions(
    course_id: object, quiz_id: object, question_ids: list[Any], token: str | None
) -> func.HttpResponse:
    path = quizzes_path(course_id, quiz_id, "questions", "order")
    body = {"question_ids": [str(i) for i in question_ids]}
    return _call(
        "questions_reorder", "PUT", path, token, body, course_id=course_id, quiz_id=quiz_id
    )


# --- attempts -------------------------------------------------------------------------------


def start(quiz_id: object, token: str | None) -> func.HttpResponse:
    return _call("attempts_start", "POST", attempts_path(quiz_id), token, quiz_id=quiz_id)


def start_view(quiz_id: object, token: str | None) -> func.HttpResponse:
    path = attempts_path(quiz_id, "start")
    return _call("attempts_start_view", "GET", path, token, quiz_id=quiz_id)


def submit(
    quiz_id: object, attempt_id: object, answers: list[dict[str, Any]], token: str | None
) -> func.HttpResponse:
    path = attempts_path(quiz_id, attempt_id, "submit")
    return _call(
        "attempts_submit",
        "POST",
        path,
        token,
        {"answers": answers},
        quiz_id=quiz_id,
        attempt_id=attempt_id,
    )


def my_attempts(quiz_id: object, token: str | None) -> func.HttpResponse:
    path = attempts_path(quiz_id, "my-attempts")
    return _call("attempts_mine", "GET", path, token, quiz_id=quiz_id)


def get_attempt(quiz_id: object, attempt_id: object, token: str | None) -> func.HttpResponse:
    path = attempts_path(quiz_id, attempt_id)
    return _call("attempts_get", "GET", path, token, quiz_id=quiz_id, attempt_id=attempt_id)


def list_attempts(quiz_id: object, token: str | None, query: str = "") -> func.HttpResponse:
    path = attempts_path(quiz_id) + query
    return _call("attempts_list", "GET", path, token, quiz_id=quiz_id)


def grade(
    quiz_id: object, attempt_id: object, question_id: object, body: Any, token: str | None
) -> func.HttpResponse:
    path = attempts_path(quiz_id, attempt_id, "answers", question_id, "grade")
    ids = {"quiz_id": quiz_id, "attempt_id": attempt_id, "question_id": question_id}
    return _call("attempts_grade_answer", "POST", path, token, body, **ids)


# --- a course with a quiz -------------------------------------------------------------------


@dataclass
class QuizSetup:
    owner: User
    owner_token: str
    course: Course
    lesson: Lesson
    quiz: dict[str, Any]
    questions: list[dict[str, Any]] = field(default_factory=list)
    student: User | None = None
    student_token: str = ""
    enrollment: Enrollment | None = None

    @property
    def quiz_id(self) -> str:
        return str(self.quiz["id"])

    def question(self, index: int) -> str:
        return str(self.questions[index]["id"])

    def another_student(self, status: str = "active") -> tuple[User, str]:
        student, token = make_user(role=Role.STUDENT)
        make_enrollment(student, self.course, status=status)
        return student, token


def ok(response: func.HttpResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_body()
    return json_of(response) if response.get_body() else None


def detail(response: func.HttpResponse) -> str:
    return str(json_of(response)["detail"])


def quiz_setup(
    questions: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (MC, TF),
    *,
    publish: bool = True,
    lessons: int = 2,
    enroll: bool = True,
    **quiz_fields: Any,
) -> QuizSetup:
    """A published course whose first lesson has a quiz (by default published, shuffling
    off) with `questions`, and a student enrolled in the course."""
    owner, owner_token = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner, lessons=lessons)
    lesson = lessons_of(course)[0]
    body = {
        "lesson_id": str(lesson.id),
        "title": "Checkpoint quiz",
        "shuffle_questions": False,
        "shuffle_options": False,
        **quiz_fields,
    }
    quiz = ok(create_quiz(course.id, body, owner_token), 201)
    setup = QuizSetup(owner, owner_token, course, lesson, quiz)
    for question in questions:
        setup.questions.append(
            ok(create_question(course.id, quiz["id"], question, owner_token), 201)
        )
    if publish:
        setup.quiz = ok(quiz_action("publish", course.id, quiz["id"], owner_token))
    if enroll:
        setup.student, setup.student_token = make_user(role=Role.STUDENT)
        setup.enrollment = make_enrollment(setup.student, course)
    return setup


# --- messages -------------------------------------------------------------------------------


def messages(queue: str, message_type: str | None = None) -> list[dict[str, Any]]:
    """Payloads published on `queue` so far (relayed to the local queue, or still in the
    outbox), oldest first, optionally of one type."""
    with unit_of_work() as uow:
        queued = [
            Envelope.from_bytes(row.body)
            for row in uow.session.scalars(
                select(QueuedMessage)
                .where(QueuedMessage.queue == queue)
                .order_by(QueuedMessage.sequence_number)
            )
        ]
        waiting = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.queue == queue)
        ).all()
    found = [(e.type, e.payload) for e in queued] + [(m.type, m.payload) for m in waiting]
    return [payload for kind, payload in found if message_type in (None, kind)]
