"""Demo data: three accounts with published passwords, published courses with lessons, and a
student part-way through one of them, so a new user sees a working system at once.

Everything goes through the same services the API uses (so the aggregates, events and mails
are the real ones), acting as the demo accounts, each step in its own unit of work as a request
would be. Running it again keeps what exists and adds what is missing; it never changes a
password or a course someone edited.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from shared.domain.courses import Course
from shared.domain.errors import RuleViolationError
from shared.domain.users import Role, User
from shared.schemas.courses import CourseCreate
from shared.schemas.enrollments import EnrollmentCreate
from shared.schemas.instructors import InstructorRegister
from shared.schemas.lessons import LessonCreate
from shared.security.permissions import Actor
from shared.services import courses, demo_features, enrollments, lessons, progress
from shared.services.identity import instructors
from shared.services.identity.accounts import commit_account, create_account, find_by_email
from shared.services.identity.admins import create_operator_admin

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    full_name: str


ADMIN = DemoAccount(Role.ADMIN, "admin@example.com", "AdminPass1234567", "Demo Admin")
INSTRUCTOR = DemoAccount(
    Role.INSTRUCTOR, "instructor@example.com", "InstructorPass123", "Grace Instructor"
)
STUDENT = DemoAccount(Role.STUDENT, "student@example.com", "StudentPass123", "Sam Student")
ACCOUNTS = (ADMIN, INSTRUCTOR, STUDENT)


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    title: str
    category: str
    difficulty_level: str
    description: str
    lessons: tuple[tuple[str, str], ...]  # (title, content); the first one is a preview


COURSES = (
    DemoCourse(
        "python-from-scratch",
        "Python from Scratch",
        "programming",
        "beginner",
        "Variables, functions and files: the first steps in Python.",
        (
            ("Installing Python", "Download Python 3.11 and check `python --version`."),
            ("Values and variables", "Numbers, strings and names for them."),
            ("Functions", "`def` gives a name to a piece of work."),
            ("Lists and loops", "Many values, one at a time."),
            ("Reading files", "`open()` and `with` keep files tidy."),
        ),
    ),
    DemoCourse(
        "serverless-apis",
        "Serverless APIs with Azure Functions",
        "cloud",
        "intermediate",
        "HTTP triggers, queues and timers: an API without servers to look after.",
        (
            ("What a function app is", "One deployment, many functions, billed per call."),
            ("HTTP triggers", "Routes, methods and responses."),
            ("Queues", "Work that happens after the response: peek-lock and retries."),
            ("Timers", "NCRONTAB schedules, run once per occurrence."),
        ),
    ),
    DemoCourse(
        "postgresql-modelling",
        "Data Modelling with PostgreSQL",
        "databases",
        "advanced",
        "Tables, keys and indexes that keep data right and queries fast.",
        (
            ("Keys", "Primary and foreign keys say what belongs to what."),
            ("Constraints", "Let the database refuse what must never be stored."),
            ("Indexes", "Which queries an index helps, and what it costs on writes."),
            ("Transactions", "All or nothing, and what isolation levels allow."),
        ),
    ),
)
LESSONS_DONE = 2  # of the first course, by the demo student
DEFAULT_PORT = 7071  # lms serve's


def _actor(deps: Dependencies, user: User, *, admin_setup_complete: bool = False) -> Actor:
    """The demo account acting through the services, as a signed-in request would."""
    return Actor(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        token_id=uuid.uuid4(),
        token_expires_at=deps.clock() + timedelta(minutes=5),
        admin_setup_complete=admin_setup_complete,
        user=user,
    )


def _user(deps: Dependencies, email: str) -> User | None:
    with deps.uow() as uow:
        user = find_by_email(uow, email)
        uow.session.expunge_all()
        return user


def _ensure_account(deps: Dependencies, account: DemoAccount) -> tuple[User, bool]:
    existing = _user(deps, account.email)
    if existing is not None:
        return existing, False
    if account.role is Role.ADMIN:
        # Demo accounts sign in with their published passwords alone; an admin made with
        # `lms create-admin` or /admin/setup gets an e-mailed code as well (mfa_required).
        create_operator_admin(
            deps,
            email=account.email,
            password=account.password,
            full_name=account.full_name,
            mfa_required=False,
        )
    elif account.role is Role.INSTRUCTOR:
        registered = instructors.register(
            deps,
            InstructorRegister(
                email=account.email,
                password=account.password,
                full_name=account.full_name,
                bio="Teaches the demo courses of this LMS.",
                expertise=["python", "cloud", "databases"],
                teaching_experience_years=8,
            ),
        )
        with deps.uow() as uow:
            instructors.approve(uow, registered.instructor.id, "Verified by lms seed-demo")
    else:
        with deps.uow() as uow:
            create_account(
                uow,
                deps.passwords,
                email=account.email,
                password=account.password,
                full_name=account.full_name,
                role=Role.STUDENT,
                email_verified=True,
            )
            commit_account(uow)
    user = _user(deps, account.email)
    if user is None:
        raise RuntimeError(f"the demo account {account.email} was created but cannot be read")
    return user, True


def _course_id(deps: Dependencies, slug: str) -> uuid.UUID | None:
    with deps.uow() as uow:
        return uow.session.scalar(select(Course.id).where(Course.slug == slug))


def _ensure_course(deps: Dependencies, teacher: Actor, demo: DemoCourse) -> tuple[uuid.UUID, bool]:
    existing = _course_id(deps, demo.slug)
    if existing is not None:
        return existing, False
    with deps.uow() as uow:
        course = courses.create_course(
            uow,
            teacher,
            CourseCreate(
                title=demo.title,
                slug=demo.slug,
                description=demo.description,
                category=demo.category,
                difficulty_level=demo.difficulty_level,
                estimated_duration_minutes=15 * len(demo.lessons),
                price=0,
                learning_objectives=[title for title, _ in demo.lessons],
            ),
        )
    for number, (title, content) in enumerate(demo.lessons, start=1):
        with deps.uow() as uow:
            lessons.create_lesson(
                uow,
                teacher,
                course.id,
                LessonCreate(
                    title=title,
                    lesson_type="text",
                    content=content,
                    duration_minutes=15,
                    is_preview=number == 1,
                ),
            )
    with deps.uow() as uow:
        courses.publish_course(uow, teacher, course.id)
    return course.id, True


def seed(deps: Dependencies, say: Callable[[str], None], port: int = DEFAULT_PORT) -> None:
    """Create what is missing of the demo data, saying what was done step by step; the
    webhook subscription goes to the receiver of `lms serve --port <port>`."""
    if deps.settings.ENVIRONMENT == "production":
        raise RuleViolationError(
            "seed-demo creates accounts whose passwords are published in the README; "
            "it refuses to run with ENVIRONMENT=production"
        )
    users: dict[Role, User] = {}
    for account in ACCOUNTS:
        user, created = _ensure_account(deps, account)
        users[account.role] = user
        what = "created" if created else "already there, kept as it is"
        say(f"{account.role.value:<10} {account.email} / {account.password}: {what}")
    teacher = _actor(deps, users[Role.INSTRUCTOR])
    course_ids = []
    for number, demo in enumerate(COURSES, start=1):
        course_id, created = _ensure_course(deps, teacher, demo)
        course_ids.append(course_id)
        what = f"created with {len(demo.lessons)} lessons and published" if created else "kept"
        say(f"course {number}/{len(COURSES)} {demo.title!r}: {what}")
    learner = _actor(deps, users[Role.STUDENT])
    for course_id in course_ids[:2]:
        with deps.uow() as uow:
            enrollments.enroll(uow, learner, EnrollmentCreate(course_id=course_id))
    with deps.uow() as uow:
        first = enrollments.enroll(uow, learner, EnrollmentCreate(course_id=course_ids[0]))[0]
    with deps.uow() as uow:
        outline = lessons.list_lessons(uow, learner, course_ids[0]).items
    for lesson in outline[:LESSONS_DONE]:
        with deps.uow() as uow:
            progress.complete_lesson(uow, learner, first.id, lesson.id)
    say(
        f"{STUDENT.email} is enrolled in {COURSES[0].title!r} ({LESSONS_DONE} of "
        f"{len(outline)} lessons done) and {COURSES[1].title!r}"
    )
    say(demo_features.ensure_draft_course(deps, teacher))
    say(demo_features.ensure_pending_instructor(deps))
    quiz_id, line = demo_features.ensure_quiz(deps, teacher, course_ids[0])
    say(line)
    say(demo_features.ensure_essay_waiting(deps, learner, quiz_id))
    say(demo_features.ensure_file(deps, teacher))
    say(demo_features.ensure_certificate(deps, learner, course_ids[1]))
    admin = _actor(deps, users[Role.ADMIN], admin_setup_complete=True)
    say(demo_features.ensure_webhook_subscription(deps, admin, port))
    for line in demo_state(deps):
        say(line)


def demo_state(deps: Dependencies) -> list[str]:
    """What the database holds now, whoever made it (the demo, or someone since)."""
    from sqlalchemy import Select, func

    from shared.domain.files import UploadedFile
    from shared.domain.instructors import InstructorProfile
    from shared.domain.quizzes import AttemptStatus, Quiz, QuizAttempt
    from shared.domain.webhooks import WebhookSubscription

    def count(query: Select[tuple[int]]) -> int:
        return int(session.scalar(query) or 0)

    with deps.uow() as uow:
        session = uow.session
        rows = session.execute(select(User.role, func.count()).group_by(User.role))
        by_role = {str(role): int(n) for role, n in rows}
        published = count(select(func.count()).where(Course.is_published.is_(True)))
        drafts = count(select(func.count()).where(Course.is_published.is_(False)))
        pending = count(select(func.count()).where(InstructorProfile.is_verified.is_(False)))
        quizzes = count(select(func.count()).select_from(Quiz))
        waiting = count(
            select(func.count()).where(QuizAttempt.status == AttemptStatus.NEEDS_GRADING.value)
        )
        files = count(select(func.count()).select_from(UploadedFile))
        hooks = count(select(func.count()).select_from(WebhookSubscription))
        active_hooks = count(select(func.count()).where(WebhookSubscription.is_active.is_(True)))
    roles = ", ".join(f"{n} {role}" for role, n in sorted(by_role.items()))
    return [
        "Now in the database:",
        f"  users     {roles}; {pending} instructor(s) waiting for verification",
        f"  courses   {published} published, {drafts} draft",
        f"  quizzes   {quizzes}; {waiting} attempt(s) waiting for grading",
        f"  files     {files}",
        f"  webhooks  {hooks} subscription(s), {active_hooks} active",
    ]
