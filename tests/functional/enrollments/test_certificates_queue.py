"""The certificates queue: certificate.issue and certificate.render through its queue
function, as the Functions host calls it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.domain.courses import Course
from shared.domain.enrollments import Certificate, Enrollment
from shared.domain.inbox import ProcessedMessage
from shared.domain.users import Role, User
from shared.services import certificate_documents, certificates
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.enrollments.calls import (
    complete,
    deliver,
    enroll,
    of_type,
    run_queue,
    sent_to,
)
from tests.learning import lessons_of, load, make_course, make_enrollment
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

NUMBER = re.compile(r"^CERT-\d{8}-[0-9A-F]{10}$")


def _count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _certificates() -> list[Certificate]:
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(Certificate)))
        uow.session.expunge_all()
        return rows


def _completed_enrollment(**fields: Any) -> Enrollment:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1, title="Certified")
    student, _ = make_user(full_name="Katherine Johnson")
    completed_at = datetime.now(UTC) - timedelta(hours=2)
    fields = {"status": "completed", "completed_at": completed_at, **fields}
    return make_enrollment(student, course, **fields)


def _issue(enrollment_id: uuid.UUID, message_id: str | None = None) -> str:
    return deliver(
        "certificates", "certificate.issue", {"enrollment_id": str(enrollment_id)}, message_id
    )


def test_a_completed_enrollment_gets_its_certificate_then_its_pdf_mail_and_webhook_event() -> None:
    enrollment = _completed_enrollment()

    _issue(enrollment.id)

    [certificate] = _certificates()
    stored: Enrollment = load(Enrollment, enrollment.id)
    assert NUMBER.match(certificate.certificate_number)
    assert certificate.certificate_number[5:13] == f"{certificate.issued_at:%Y%m%d}"
    assert (certificate.enrollment_id, certificate.student_id, certificate.course_id) == (
        enrollment.id,
        enrollment.student_id,
        enrollment.course_id,
    )
    assert certificate.completion_date == stored.completed_at
    assert stored.certificate_issued_at == certificate.issued_at
    assert certificate.is_revoked is False
    assert certificate.pdf_blob_name is None  # rendering is the queue's next message
    assert of_type("certificates", "certificate.render") == [
        {"certificate_id": str(certificate.id)}
    ]
    assert sent_to("emails") == sent_to("webhooks") == []

    assert run_queue("certificates") == 1

    [certificate] = _certificates()
    assert certificate.pdf_blob_name == f"{certificate.id}.pdf"
    assert certificate.credential is not None
    student: User = load(User, enrollment.student_id)
    number = certificate.certificate_number
    assert of_type("emails", "email.certificate_issued") == [
        {
            "to": student.email,
            "full_name": "Katherine Johnson",
            "course_id": str(enrollment.course_id),
            "course_title": "Certified",
            "certificate_id": str(certificate.id),
            "certificate_number": number,
            "verify_url": f"http://localhost:7071/api/v1/certificates/verify/{number}",
        }
    ]
    assert of_type("webhooks", "certificate.issued") == [
        {
            "certificate_id": str(certificate.id),
            "certificate_number": number,
            "enrollment_id": str(enrollment.id),
            "student_id": str(enrollment.student_id),
            "course_id": str(enrollment.course_id),
            "issued_at": certificate.issued_at.isoformat(),
        }
    ]


def test_certificate_issue_delivered_twice_issues_one_certificate() -> None:
    enrollment = _completed_enrollment()
    message_id = _issue(enrollment.id)

    _issue(enrollment.id, message_id)  # the same message again: the inbox drops it
    _issue(enrollment.id)  # another request for the same enrollment: it has its certificate

    assert len(_certificates()) == 1
    assert len(of_type("certificates", "certificate.render")) == 1
    assert _count(ProcessedMessage) == 2


def test_certificate_render_delivered_twice_renders_and_announces_once() -> None:
    enrollment = _completed_enrollment()
    _issue(enrollment.id)
    [certificate] = _certificates()
    payload = {"certificate_id": str(certificate.id)}
    message_id = deliver("certificates", "certificate.render", payload)
    [rendered] = _certificates()

    deliver("certificates", "certificate.render", payload, message_id)  # the inbox drops it
    deliver("certificates", "certificate.render", payload)  # a new copy: it is rendered
    deliver("certificates", "certificate.render", {"certificate_id": str(uuid.uuid4())})

    [again] = _certificates()
    assert (again.pdf_blob_name, again.credential) == (rendered.pdf_blob_name, rendered.credential)
    assert len(of_type("emails", "email.certificate_issued")) == 1
    assert len(of_type("webhooks", "certificate.issued")) == 1


def test_a_failing_issue_commits_nothing_and_a_retry_issues_the_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrollment = _completed_enrollment()

    def broken(**fields: Any) -> None:
        raise RuntimeError("publishing failed")

    monkeypatch.setattr(certificates, "RenderCertificate", broken)
    with pytest.raises(RuntimeError, match="publishing failed"):
        _issue(enrollment.id)

    assert _certificates() == []
    assert load(Enrollment, enrollment.id).certificate_issued_at is None
    assert _count(ProcessedMessage) == 0
    assert sent_to("certificates") == []

    monkeypatch.undo()
    _issue(enrollment.id)
    assert len(_certificates()) == 1


def test_a_failing_render_commits_nothing_and_a_retry_renders_the_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrollment = _completed_enrollment()
    _issue(enrollment.id)
    [certificate] = _certificates()
    payload = {"certificate_id": str(certificate.id)}

    def broken(*args: Any) -> None:
        raise RuntimeError("announcing failed")

    monkeypatch.setattr(certificate_documents, "announce", broken)
    with pytest.raises(RuntimeError, match="announcing failed"):
        deliver("certificates", "certificate.render", payload)

    [unrendered] = _certificates()
    assert (unrendered.pdf_blob_name, unrendered.credential) == (None, None)
    assert sent_to("emails") == sent_to("webhooks") == []

    monkeypatch.undo()
    deliver("certificates", "certificate.render", payload)
    [rendered] = _certificates()
    assert rendered.pdf_blob_name is not None
    assert len(of_type("emails", "email.certificate_issued")) == 1


@pytest.mark.parametrize("status", ["active", "dropped"])
def test_an_enrollment_that_is_not_completed_gets_no_certificate(status: str) -> None:
    enrollment = _completed_enrollment(status=status, completed_at=None)
    _issue(enrollment.id)
    _issue(uuid.uuid4())  # no such enrollment
    assert _certificates() == []
    assert sent_to("emails") == []
    assert _count(ProcessedMessage) == 2


def test_a_number_clash_draws_another_number_in_a_savepoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _completed_enrollment()
    _issue(first.id)
    [taken] = _certificates()
    second = _completed_enrollment()
    numbers = iter([taken.certificate_number, "CERT-20260101-00000000AB"])
    monkeypatch.setattr(certificates, "certificate_number", lambda now: next(numbers))

    _issue(second.id)

    issued = {c.enrollment_id: c.certificate_number for c in _certificates()}
    assert issued == {first.id: taken.certificate_number, second.id: "CERT-20260101-00000000AB"}
    assert load(Enrollment, second.id).certificate_issued_at is not None


def test_completing_a_course_leads_to_its_certificate_through_the_queues() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=2)
    _, token = make_user()
    enrollment_id = json_of(enroll(token, course.id))["id"]
    for lesson in lessons_of(course):
        complete(token, enrollment_id, lesson.id)

    run_queue("progress")
    assert run_queue("certificates") == 2  # certificate.issue, then certificate.render

    [certificate] = _certificates()
    assert str(certificate.enrollment_id) == enrollment_id
    assert load(Enrollment, uuid.UUID(enrollment_id)).certificate_issued_at is not None
    stored: Course = load(Course, course.id)
    assert (stored.enrollment_count, stored.completed_count) == (1, 1)
    assert [m.type for m in sent_to("emails")] == [
        "email.enrollment_confirmation",
        "email.course_completed",
        "email.certificate_issued",
    ]


def test_a_number_that_keeps_clashing_fails_the_delivery_and_commits_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _completed_enrollment()
    _issue(first.id)
    [taken] = _certificates()
    second = _completed_enrollment()
    monkeypatch.setattr(certificates, "certificate_number", lambda now: taken.certificate_number)

    with pytest.raises(RuntimeError, match="no free certificate number after 5 attempts"):
        _issue(second.id)

    assert [c.enrollment_id for c in _certificates()] == [first.id]
