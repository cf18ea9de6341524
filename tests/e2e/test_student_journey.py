"""The learning core end to end over real HTTP, on the system `make run` starts: the demo
accounts from `lms seed-demo`; an instructor builds and publishes a course; a student enrolls
and completes every lesson; the background work (progress queue → certificates queue → emails
queue) then issues the certificate and mails it, and the demo's webhook subscription brings
certificate.issued to the host's local receiver, with nobody calling anything else."""

from __future__ import annotations

import http.client
import json
import mailbox
import socket
import time
from pathlib import Path
from typing import Any

from tests.e2e.host_process import HostProcess, host_environment, run_lms

INSTRUCTOR = ("instructor@example.com", "InstructorPass123")
STUDENT = ("student@example.com", "StudentPass123")


class Client:
    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.token: str | None = None

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.connection.request(
            method, path, body=None if body is None else json.dumps(body), headers=headers
        )
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def sign_in(self, email: str, password: str) -> None:
        status, answer = self.call(
            "POST", "/api/v1/auth/login", {"email": email, "password": password}
        )
        assert status == 200, answer
        self.token = answer["tokens"]["access_token"]


def wait_for(probe: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"still not true after {seconds} s: {probe.__doc__}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_student_completes_a_published_course_and_receives_the_certificate_mail(
    tmp_path: Path,
) -> None:
    maildir = tmp_path / "mail"
    env = host_environment(f"sqlite:///{tmp_path}/lms.db", tmp_path, MAILDIR_PATH=str(maildir))
    assert run_lms("migrate", env=env).returncode == 0
    port = free_port()  # as `make run PORT=...` does: seed for the port, then serve on it
    seeded = run_lms("seed-demo", "--port", str(port), env=env)
    assert seeded.returncode == 0, seeded.stderr
    host = HostProcess(env, port=port)
    try:
        url = host.wait_until_listening()
        instructor, student = Client(url), Client(url)
        instructor.sign_in(*INSTRUCTOR)
        student.sign_in(*STUDENT)

        status, course = instructor.call(
            "POST", "/api/v1/courses", {"title": "Journey Through Functions", "price": 0}
        )
        assert status == 201, course
        lessons = []
        for n in (1, 2, 3):
            status, lesson = instructor.call(
                "POST",
                f"/api/v1/courses/{course['id']}/lessons",
                {"title": f"Step {n}", "lesson_type": "text", "content": f"Text {n}"},
            )
            assert status == 201, lesson
            lessons.append(lesson)
        # Not visible to the student while it is a draft.
        assert student.call("GET", f"/api/v1/courses/{course['id']}")[0] == 403
        status, published = instructor.call("POST", f"/api/v1/courses/{course['id']}/publish")
        assert status == 200 and published["is_published"], published
        assert published["total_lessons"] == 3

        status, enrollment = student.call(
            "POST", "/api/v1/enrollments", {"course_id": course["id"]}
        )
        assert status == 201, enrollment
        assert student.call("POST", "/api/v1/enrollments", {"course_id": course["id"]})[0] == 200
        for lesson in lessons:
            status, progress = student.call(
                "POST", f"/api/v1/enrollments/{enrollment['id']}/lessons/{lesson['id']}/complete"
            )
            assert status == 200 and progress["status"] == "completed", progress

        status, done = student.call("GET", f"/api/v1/enrollments/{enrollment['id']}")
        assert done["status"] == "completed"
        assert done["progress_percentage"] == "100.00"
        assert done["completed_lessons_count"] == 3

        def certificate_issued() -> Any:
            """the enrollment shows its certificate"""
            return student.call("GET", f"/api/v1/enrollments/{enrollment['id']}")[1][
                "certificate_issued_at"
            ]

        wait_for(certificate_issued)

        def course_counts_the_completion() -> Any:
            """the progress queue updated the course's enrollment count"""
            return student.call("GET", f"/api/v1/courses/{course['id']}")[1]["enrollment_count"]

        assert wait_for(course_counts_the_completion) == 1

        def certificate_mail() -> Any:
            """the certificate mail is in the student's Maildir"""
            return [
                m
                for m in mailbox.Maildir(maildir, create=False)
                if m["To"] == STUDENT[0]
                and "ertificate" in (m["Subject"] or "")
                and "Journey Through Functions" in (m["Subject"] or "")
            ]

        [mail] = wait_for(certificate_mail)
        assert "Journey Through Functions" in mail.as_string()

        status, mine = student.call("GET", "/api/v1/certificates/my-certificates")
        # The demo student holds the demo's certificate too (seed-demo).
        assert status == 200 and mine["total"] == 2, mine
        [certificate] = [
            c for c in mine["certificates"] if c["course_title"] == "Journey Through Functions"
        ]
        student.connection.request(
            "GET", certificate["pdf_url"], headers={"Authorization": f"Bearer {student.token}"}
        )
        redirect = student.connection.getresponse()
        redirect.read()
        assert redirect.status == 307  # to the link `lms serve` streams the PDF from
        student.connection.request("GET", redirect.headers["Location"])
        pdf = student.connection.getresponse()
        assert pdf.status == 200
        assert pdf.read().startswith(b"%PDF-")
        anonymous = Client(url)
        number = certificate["certificate_number"]
        status, check = anonymous.call("GET", f"/api/v1/certificates/verify/{number}")
        assert (status, check["valid"]) == (200, True)
        status, signed = student.call("GET", f"/api/v1/certificates/{certificate['id']}/credential")
        assert status == 200, signed
        status, checked = anonymous.call(
            "POST", "/api/v1/certificates/verify-credential", {"credential": signed["credential"]}
        )
        assert (status, checked["valid"]) == (200, True), checked

        def certificate_webhook() -> Any:
            """the local receiver kept the certificate.issued delivery, verified"""
            kept = [json.loads(p.read_text()) for p in (tmp_path / "webhooks").glob("*.json")]
            return [
                r
                for r in kept
                if r["event_type"] == "certificate.issued"
                and r["payload"]["data"]["certificate_number"] == number
            ]

        [delivery] = wait_for(certificate_webhook)
        assert delivery["signature"] == "verified"
    finally:
        assert host.stop() == 0
