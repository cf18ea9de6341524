"""What the assignment tests share: every /api/v1/assignments route called as a client calls
it, a published course with an assignment and an enrolled student, the e-mails delivered to
the Maildir. Tests move time with the `clock` fixture (tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment
from shared.domain.users import Role, User
from shared.local.app_functions import QueueFunction
from shared.local.queue_consumer import QueueConsumer
from shared.messaging.local import LocalBroker
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, functions_by_name, json_of
from tests.functional.files.file_calls import upload
from tests.learning import lessons_of, make_course, make_enrollment
from tests.sample_files import pdf

BASE = "/api/v1/assignments"


def _call(
    name: str, method: str, path: str, token: str | None, body: Any = None, **ids: object
) -> func.HttpResponse:
    return call_http(
        name,
        method,
        BASE + path,
        headers=bearer(token) if token else {},
        json_body=body,
        route_params={key: str(value) for key, value in ids.items()},
    )


def ok(response: func.HttpResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_body()
    return json_of(response) if response.get_body() else None


def refused(response: func.HttpResponse, status: int) -> str:
    """The detail of a refusal with `status`."""
    assert response.status_code == status, response.get_body()
    detail = json_of(response)["detail"]
    return detail if isinstance(detail, str) else str(detail)


# --- routes ---------------------------------------------------------------------------------


def create(body: dict[str, Any], token: str | None) -> func.HttpResponse:
    return _call("assignments_create", "POST", "", token, body)


def get(assignment_id: object, token: str | None) -> func.HttpResponse:
    path = f"/{assignment_id}"
    return _call("assignments_get", "GET", path, token, assignment_id=assignment_id)


def list_for_course(course_id: object, token: str | None, query: str = "") -> func.HttpResponse:
    path = f"/course/{course_id}{query}"
    return _call("assignments_list", "GET", path, token, course_id=course_id)


def update(assignment_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    path = f"/{assignment_id}"
    return _call("assignments_update", "PUT", path, token, body, assignment_id=assignment_id)


def delete(assignment_id: object, token: str | None) -> func.HttpResponse:
    path = f"/{assignment_id}"
    return _call("assignments_delete", "DELETE", path, token, assignment_id=assignment_id)


def submit(body: dict[str, Any], token: str | None) -> func.HttpResponse:
    return _call("submissions_create", "POST", "/submit", token, body)


def get_submission(submission_id: object, token: str | None) -> func.HttpResponse:
    path = f"/submissions/{submission_id}"
    return _call("submissions_get", "GET", path, token, submission_id=submission_id)


def list_for_assignment(
    assignment_id: object, token: str | None, query: str = ""
) -> func.HttpResponse:
    path = f"/submissions/assignment/{assignment_id}{query}"
    return _call("submissions_list", "GET", path, token, assignment_id=assignment_id)


def list_for_enrollment(
    enrollment_id: object, token: str | None, query: str = ""
) -> func.HttpResponse:
    path = f"/submissions/enrollment/{enrollment_id}{query}"
    return _call("submissions_by_enrollment", "GET", path, token, enrollment_id=enrollment_id)


def review(submission_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    path = f"/submissions/{submission_id}"
    return _call("submissions_update", "PUT", path, token, body, submission_id=submission_id)


def grade(submission_id: object, body: dict[str, Any], token: str | None) -> func.HttpResponse:
    path = f"/submissions/{submission_id}/grade"
    return _call("submissions_grade", "POST", path, token, body, submission_id=submission_id)


def uploaded_pdf(token: str, name: str = "essay.pdf") -> str:
    """The id of a PDF the token's user uploads through the files API."""
    return str(ok(upload(token, name, pdf("My essay")), 201)["id"])


# --- a course with an assignment ------------------------------------------------------------


@dataclass
class Classroom:
    owner: User
    owner_token: str
    course: Course
    lessons: list[Lesson]
    assignment: dict[str, Any]
    student: User
    student_token: str
    enrollment: Enrollment
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def assignment_id(self) -> str:
        return str(self.assignment["id"])

    def work(self, **body: Any) -> dict[str, Any]:
        """A submission body for this assignment: text unless other work is given."""
        sent = {"content", "link_url", "file_ids", "file_urls"} & set(body)
        return {
            "assignment_id": self.assignment_id,
            **({} if sent else {"content": "My answer"}),
            **body,
        }

    def submit(self, token: str | None = None, **body: Any) -> func.HttpResponse:
        return submit(self.work(**body), token or self.student_token)

    def another_student(self, status: str = "active") -> tuple[User, str, Enrollment]:
        student, token = make_user(role=Role.STUDENT)
        return student, token, make_enrollment(student, self.course, status=status)


def classroom(
    *, lessons: int = 2, published: bool = True, course_published: bool = True, **fields: Any
) -> Classroom:
    """A course (published unless told) with `lessons` lessons, an assignment created through
    the API (published unless told; `fields` override its body) and an enrolled student."""
    owner, owner_token = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner, lessons=lessons, published=course_published)
    body = {
        "course_id": str(course.id),
        "title": "Write an essay",
        "instructions": "Two pages on the analytical engine.",
        "max_points": 50,
        "status": "published" if published else "draft",
        **fields,
    }
    assignment = ok(create(body, owner_token), 201)
    student, student_token = make_user(role=Role.STUDENT, full_name="Ada Lovelace")
    enrollment = make_enrollment(student, course)
    return Classroom(
        owner,
        owner_token,
        course,
        lessons_of(course),
        assignment,
        student,
        student_token,
        enrollment,
    )


def due_in(now: datetime, **delta: float) -> str:
    return (now + timedelta(**delta)).isoformat()


# --- e-mails --------------------------------------------------------------------------------


def deliver(queue: str) -> int:
    """Run `queue` through the app's real `<queue>_consume` until it is empty, as the local
    host would; the number of deliveries."""
    name = f"{queue}_consume"
    user_function = functions_by_name()[name].get_user_function()
    function = QueueFunction(name, queue, lambda msg: user_function(msg=msg))
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    consumer = QueueConsumer([function], broker)
    delivered = 0
    while batch := broker.receive(queue, 8):
        for message in batch:
            assert consumer.deliver(function, message)
            delivered += 1
    return delivered


def deliver_emails() -> int:
    """The `emails` queue delivered to the Maildir (MAIL_TRANSPORT's default)."""
    return deliver("emails")


def delivered_mail(to: str) -> list[EmailMessage]:
    """The e-mails delivered to `to` so far, after delivering what is queued."""
    deliver_emails()
    folder = bootstrap.current().settings.MAILDIR_PATH / "new"
    found = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*"))
    ]
    return [m for m in found if m["To"] == to]  # type: ignore[misc]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]
