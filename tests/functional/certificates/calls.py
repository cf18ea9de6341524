"""What the certificate tests do over and over: a world with an issued, rendered certificate,
the certificate routes called as a client would, and the e-mails the student received.

    world = certified_world()
    response = download(world.student_token, world.certificate_id)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import azure.functions as func
from sqlalchemy import select

from shared import bootstrap
from shared.domain.courses import Course
from shared.domain.enrollments import Certificate, Enrollment
from shared.domain.users import Role, User
from tests.accounts import bearer, make_user
from tests.function_calls import call_http
from tests.functional.enrollments.calls import deliver, run_queue
from tests.learning import make_course, make_enrollment
from tests.unit_of_work import unit_of_work

CERTIFICATES = "/api/v1/certificates"
Id = str | uuid.UUID


@dataclass
class World:
    instructor: User
    instructor_token: str
    course: Course
    student: User
    student_token: str
    enrollment: Enrollment

    @property
    def certificate(self) -> Certificate:
        with unit_of_work() as uow:
            row = uow.session.scalar(
                select(Certificate).where(Certificate.enrollment_id == self.enrollment.id)
            )
            assert row is not None, "no certificate issued yet"
            uow.session.expunge_all()
            return row

    @property
    def certificate_id(self) -> uuid.UUID:
        return self.certificate.id


def completed_world(
    *,
    student_name: str = "Katherine Johnson",
    course_title: str = "Orbital Mechanics",
    instructor_name: str = "Dorothy Vaughan",
    completed_days_ago: int = 1,
) -> World:
    """A published course and a student who completed it; no certificate yet."""
    instructor, instructor_token = make_user(role=Role.INSTRUCTOR, full_name=instructor_name)
    course = make_course(instructor, lessons=1, title=course_title)
    student, student_token = make_user(full_name=student_name)
    completed_at = datetime.now(UTC) - timedelta(days=completed_days_ago)
    enrollment = make_enrollment(student, course, status="completed", completed_at=completed_at)
    return World(instructor, instructor_token, course, student, student_token, enrollment)


def issue(world: World, *, render: bool = True) -> World:
    """Issue the world's certificate through the certificates queue, and render it."""
    deliver("certificates", "certificate.issue", {"enrollment_id": str(world.enrollment.id)})
    if render:
        run_queue("certificates")
    return world


def certified_world(**names: Any) -> World:
    return issue(completed_world(**names))


def admin_token() -> str:
    return make_user(role=Role.ADMIN, admin_setup_complete=True)[1]


def _call(
    name: str, method: str, path: str, token: str | None, body: Any = None, **params: Id
) -> func.HttpResponse:
    return call_http(
        name,
        method,
        path,
        headers=bearer(token) if token else {},
        json_body=body,
        route_params={key: str(value) for key, value in params.items()},
    )


def mine(token: str) -> func.HttpResponse:
    return _call("certificates_mine", "GET", f"{CERTIFICATES}/my-certificates", token)


def download(token: str, certificate_id: Id) -> func.HttpResponse:
    path = f"{CERTIFICATES}/{certificate_id}/download"
    return _call("certificates_download", "GET", path, token, certificate_id=certificate_id)


def credential(token: str, certificate_id: Id) -> func.HttpResponse:
    path = f"{CERTIFICATES}/{certificate_id}/credential"
    return _call("certificates_credential", "GET", path, token, certificate_id=certificate_id)


def verify_number(number: str) -> func.HttpResponse:
    path = f"{CERTIFICATES}/verify/{number}"
    return _call("certificates_verify", "GET", path, None, certificate_number=number)


def verify_id(certificate_id: Id) -> func.HttpResponse:
    path = f"{CERTIFICATES}/public/verify/{certificate_id}"
    return _call("certificates_public_verify", "GET", path, None, certificate_id=certificate_id)


def verify_credential(token: Any) -> func.HttpResponse:
    path = f"{CERTIFICATES}/verify-credential"
    return _call("certificates_verify_credential", "POST", path, None, {"credential": token})


def issuer() -> func.HttpResponse:
    return _call("certificates_issuer", "GET", f"{CERTIFICATES}/issuer", None)


def jwks() -> func.HttpResponse:
    return _call("certificates_jwks", "GET", f"{CERTIFICATES}/jwks", None)


def revoke(token: str, certificate_id: Id, reason: Any = "Plagiarised final project") -> Any:
    path = f"{CERTIFICATES}/{certificate_id}/revoke"
    body = {} if reason is None else {"reason": reason}
    return _call("certificates_revoke", "POST", path, token, body, certificate_id=certificate_id)


def generate(token: str, enrollment_id: Id) -> func.HttpResponse:
    path = f"{CERTIFICATES}/enrollments/{enrollment_id}/generate"
    return _call("certificates_generate", "POST", path, token, enrollment_id=enrollment_id)


def course_list(token: str, course_id: Id) -> func.HttpResponse:
    path = f"/api/v1/courses/{course_id}/certificates"
    return _call("certificates_course_list", "GET", path, token, course_id=course_id)


def delivered_mail() -> list[EmailMessage]:
    """Run the `emails` queue, then every e-mail the Maildir has, oldest first."""
    run_queue("emails")
    folder = bootstrap.current().settings.MAILDIR_PATH / "new"
    paths = (
        sorted(folder.iterdir(), key=lambda path: path.stat().st_mtime_ns)
        if folder.exists()
        else []
    )
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in paths
    ]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]
