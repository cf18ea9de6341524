"""`lms seed-demo`: the demo accounts sign in with their published passwords, the courses are
published with lessons, the student is part-way through the first course, and the admin's
webhook subscription goes to the local receiver of `lms serve`."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.cli.main import main
from shared.domain.admins import AdminProfile
from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Certificate, Enrollment
from shared.domain.files import UploadedFile
from shared.domain.instructors import InstructorProfile
from shared.domain.quizzes import QuestionType, Quiz, QuizAttempt, QuizQuestion
from shared.domain.users import User
from shared.domain.webhooks import WebhookSubscription
from shared.security import secret_box
from shared.services.local_webhooks import receiver_secret
from tests.accounts import access_token, bearer
from tests.function_calls import call_http, json_of
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

ACCOUNTS = {
    "admin@example.com": ("AdminPass1234567", "admin"),
    "instructor@example.com": ("InstructorPass123", "instructor"),
    "student@example.com": ("StudentPass123", "student"),
}


def _count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _user(email: str) -> User:
    with unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        uow.session.expunge_all()
        return user


def test_seed_demo_creates_accounts_that_sign_in_with_their_published_passwords(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["seed-demo"]) == 0
    passwords = bootstrap.current().passwords
    for email, (password, role) in ACCOUNTS.items():
        user = _user(email)
        assert user.role == role
        assert passwords.verify(user.password_hash, password)
        assert user.email_verified_at is not None
    with unit_of_work() as uow:
        admin = uow.session.scalars(select(AdminProfile)).one()
        instructor = uow.session.scalars(
            select(InstructorProfile).join(User).where(User.email == "instructor@example.com")
        ).one()
        assert admin.is_setup_complete
        assert instructor.is_verified
    out = capsys.readouterr().out
    assert "admin@example.com / AdminPass1234567: created" in out
    assert "course 3/3" in out


def test_seed_demo_publishes_courses_with_lessons_and_a_student_part_way_through() -> None:
    assert main(["seed-demo"]) == 0
    with unit_of_work() as uow:
        courses = uow.session.scalars(
            select(Course).where(Course.is_published.is_(True)).order_by(Course.slug)
        ).all()
        assert len(courses) == 3
        assert all(c.is_published for c in courses)
        assert sorted(c.total_lessons for c in courses) == [4, 4, 5]
        first = uow.session.scalars(
            select(Enrollment).join(Course).where(Course.slug == "python-from-scratch")
        ).one()
        assert first.completed_lessons_count == 2
        assert first.progress_percentage == 40
    assert _count(Enrollment) == 2
    # What a new user sees at once: published courses in the catalogue.
    listed = json_of(call_http("courses_list", "GET", "/api/v1/courses"))
    assert listed["total"] == 3
    student = _user("student@example.com")
    mine = json_of(
        call_http(
            "enrollments_my_courses",
            "GET",
            "/api/v1/enrollments/my-courses",
            headers=bearer(access_token(student)),
        )
    )
    assert mine["total"] == 2


def test_seeding_twice_keeps_what_exists_and_adds_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    models = (User, Course, Lesson, Enrollment, Certificate, WebhookSubscription)
    assert main(["seed-demo"]) == 0
    counts = [_count(model) for model in models]
    capsys.readouterr()
    assert main(["seed-demo"]) == 0
    assert [_count(model) for model in models] == counts
    assert _count(WebhookSubscription) == 1
    out = capsys.readouterr().out
    assert "already there, kept as it is" in out
    assert ": created" not in out
    assert re.search(r"webhook subscription \S+: kept; http://127.0.0.1:7071/local-webhooks/", out)


def test_seeding_for_another_port_moves_the_one_webhook_subscription_there(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["seed-demo"]) == 0
    assert main(["seed-demo", "--port", "8000"]) == 0
    with unit_of_work() as uow:
        urls = list(uow.session.scalars(select(WebhookSubscription.url)))
    assert urls == ["http://127.0.0.1:8000/local-webhooks/receive"]
    assert "kept, its URL moved to port 8000" in capsys.readouterr().out


def test_seed_demo_refuses_to_run_in_production(
    install_dependencies: Callable[..., Dependencies], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = bootstrap.current().settings
    install_dependencies(settings=settings.model_copy(update={"ENVIRONMENT": "production"}))
    assert main(["seed-demo"]) == 1
    assert "refuses to run with ENVIRONMENT=production" in capsys.readouterr().err
    assert _count(User) == 0


def test_seed_demo_shows_every_feature_and_prints_what_the_database_holds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["seed-demo"]) == 0

    with unit_of_work() as uow:
        draft = uow.session.scalars(select(Course).where(Course.is_published.is_(False))).one()
        pending = uow.session.scalars(
            select(InstructorProfile).where(InstructorProfile.is_verified.is_(False))
        ).one()
        quiz = uow.session.scalars(select(Quiz)).one()
        kinds = set(
            uow.session.scalars(
                select(QuizQuestion.question_type).where(QuizQuestion.quiz_id == quiz.id)
            )
        )
        attempt = uow.session.scalars(select(QuizAttempt)).one()
        upload = uow.session.scalars(select(UploadedFile)).one()
        assert draft.slug == "testing-python-code"
        assert pending.verification_status == "pending"
        assert quiz.is_published
        assert kinds == {t.value for t in QuestionType}
        assert attempt.status == "needs_grading"  # the essay waits for the instructor
        assert upload.original_filename.endswith(".csv")
        assert bootstrap.current().files.exists(upload.storage_path)
        hook = uow.session.scalars(select(WebhookSubscription)).one()
        hook_id = hook.id
        assert hook.url == "http://127.0.0.1:7071/local-webhooks/receive"
        assert {"enrollment.created", "certificate.issued"} <= set(hook.events)
        assert hook.is_active
        # Signed with the secret the local receiver checks with.
        settings = bootstrap.current().settings
        assert secret_box.open_sealed(settings, hook.secret_encrypted) == receiver_secret(settings)
    out = capsys.readouterr().out
    assert (
        f"webhook subscription {hook_id}: created; http://127.0.0.1:7071/local-webhooks/receive "
        "for enrollment.created, enrollment.completed"
    ) in out
    assert "webhooks  1 subscription(s), 1 active" in out
    assert "courses   3 published, 1 draft" in out
    assert "1 attempt(s) waiting for grading" in out
    assert re.search(r"certificate CERT-\S+: student@example.com completed", out)
