"""The parts of the demo that show one feature each: a draft course, an instructor waiting
for verification, a quiz with every question type and an essay waiting for grading, a file.

Each `ensure_*` keeps what exists and adds what is missing, through the services the API uses,
and returns one line saying what it did. `ensure_certificate` gives the demo student a
certificate (the second demo course completed); `ensure_webhook_subscription` subscribes the
admin's webhook receiver of `lms serve` (shared/local/webhook_receiver.py) to the demo's events.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Certificate, Enrollment, EnrollmentStatus
from shared.domain.files import UploadedFile
from shared.domain.quizzes import Quiz, QuizAttempt, QuizQuestion
from shared.domain.webhooks import WebhookSubscription
from shared.schemas.courses import CourseCreate
from shared.schemas.instructors import InstructorRegister
from shared.schemas.quiz_attempts import AnswerIn, AttemptSubmit
from shared.schemas.quizzes import QuestionCreate, QuizCreate
from shared.schemas.webhooks import WebhookCreate, WebhookUpdate
from shared.security.permissions import ADMIN_SETUP_COMPLETE, Actor, require_access
from shared.services import certificates, courses, lessons, local_webhooks, progress, webhooks
from shared.services.files.uploads import IncomingFile, upload_file
from shared.services.identity import instructors
from shared.services.identity.accounts import find_by_email
from shared.services.quizzes import attempts, authoring, questions, submissions

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

DRAFT_SLUG = "testing-python-code"
WEBHOOK_DESCRIPTION = "lms seed-demo: the local receiver of lms serve"
# What the demo produces and a newcomer can set off: enrol, complete, take a quiz.
WEBHOOK_EVENTS = (
    "enrollment.created",
    "enrollment.completed",
    "quiz.submitted",
    "quiz.graded",
    "certificate.issued",
)
PENDING_INSTRUCTOR = ("pending.instructor@example.com", "PendingPass1234", "Paul Pending")
QUIZ_TITLE = "Python basics check"
FILE_NAME = "python-from-scratch-syllabus.csv"
FILE_FOLDER = "demo"
SYLLABUS = (
    b"lesson,title,minutes\n1,Installing Python,15\n2,Values and variables,15\n"
    b"3,Functions,15\n4,Lists and loops,15\n5,Reading files,15\n"
)

# One question of each type the API knows; the essay waits for an instructor.
QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "question_text": "Which keyword defines a function?",
        "question_type": "multiple_choice",
        "options": [
            {"option_id": "a", "option_text": "func"},
            {"option_id": "b", "option_text": "def", "is_correct": True},
            {"option_id": "c", "option_text": "lambda"},
        ],
    },
    {
        "question_text": "Which of these are sequences?",
        "question_type": "multiple_answers",
        "points": 2,
        "options": [
            {"option_id": "list", "option_text": "list", "is_correct": True},
            {"option_id": "str", "option_text": "str", "is_correct": True},
            {"option_id": "int", "option_text": "int"},
        ],
    },
    {
        "question_text": "Indentation matters in Python.",
        "question_type": "true_false",
        "correct_answer": "True",
    },
    {
        "question_text": "Which built-in opens a file?",
        "question_type": "short_answer",
        "accepted_answers": ["open", "open()"],
    },
    {
        "question_text": "What is 7 // 2?",
        "question_type": "numerical",
        "numeric_answer": 3,
        "tolerance": 0,
    },
    {
        "question_text": "Explain in a few sentences what `with open(...)` does for you.",
        "question_type": "essay",
        "points": 5,
    },
)
# The demo student's answers, in the order of QUESTIONS.
ANSWERS: tuple[dict[str, Any], ...] = (
    {"selected_option_id": "b"},
    {"selected_option_ids": ["list", "str"]},
    {"answer_text": "True"},
    {"answer_text": "open"},
    {"numeric_value": 3},
    {"answer_text": "It closes the file when the block ends, even when an error is raised."},
)


def ensure_draft_course(deps: Dependencies, teacher: Actor) -> str:
    with deps.uow() as uow:
        if uow.session.scalar(select(Course.id).where(Course.slug == DRAFT_SLUG)) is not None:
            return "draft course 'Testing Python Code': kept"
        courses.create_course(
            uow,
            teacher,
            CourseCreate(
                title="Testing Python Code",
                slug=DRAFT_SLUG,
                description="pytest, fixtures and what to test: a course still being written.",
                category="programming",
                difficulty_level="intermediate",
                estimated_duration_minutes=60,
                price=0,
            ),
        )
    return "draft course 'Testing Python Code': created, not published (only its owner sees it)"


def ensure_pending_instructor(deps: Dependencies) -> str:
    email, password, full_name = PENDING_INSTRUCTOR
    with deps.uow() as uow:
        if find_by_email(uow, email) is not None:
            return f"instructor {email}: kept"
    instructors.register(
        deps,
        InstructorRegister(
            email=email,
            password=password,
            full_name=full_name,
            bio="Wants to teach data analysis; waiting for an admin's verification.",
            expertise=["pandas"],
        ),
    )
    return (
        f"instructor {email} / {password}: created, verification pending "
        "(an admin approves it: POST /api/v1/instructors/verify/approve/{instructor_id})"
    )


def _quiz_lesson(deps: Dependencies, course_id: uuid.UUID) -> uuid.UUID:
    with deps.uow() as uow:
        lesson_id = uow.session.scalar(
            select(Lesson.id)
            .where(Lesson.course_id == course_id)
            .order_by(Lesson.order_index.desc())
            .limit(1)
        )
    assert lesson_id is not None
    return lesson_id


def ensure_quiz(deps: Dependencies, teacher: Actor, course_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    with deps.uow() as uow:
        existing = uow.session.scalar(
            select(Quiz.id).where(Quiz.course_id == course_id, Quiz.title == QUIZ_TITLE)
        )
    if existing is not None:
        return existing, f"quiz {QUIZ_TITLE!r}: kept"
    with deps.uow() as uow:
        quiz = authoring.create_quiz(
            uow,
            teacher,
            course_id,
            QuizCreate(
                lesson_id=_quiz_lesson(deps, course_id),
                title=QUIZ_TITLE,
                description="One question of each type.",
                max_attempts=3,
                shuffle_questions=False,
            ),
        )
    for question in QUESTIONS:
        with deps.uow() as uow:
            questions.create_question(
                uow, teacher, course_id, quiz.id, QuestionCreate.model_validate(question)
            )
    with deps.uow() as uow:
        authoring.publish_quiz(uow, teacher, course_id, quiz.id)
    kinds = ", ".join(q["question_type"] for q in QUESTIONS)
    return quiz.id, f"quiz {QUIZ_TITLE!r}: created and published ({kinds})"


def ensure_essay_waiting(deps: Dependencies, learner: Actor, quiz_id: uuid.UUID) -> str:
    with deps.uow() as uow:
        taken = uow.session.scalar(
            select(func.count())
            .select_from(QuizAttempt)
            .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.student_id == learner.id)
        )
    if taken:
        return f"{learner.email}'s attempt at {QUIZ_TITLE!r}: kept"
    with deps.uow() as uow:
        attempt = attempts.start_attempt(uow, learner, quiz_id, shuffler=deps.shuffler)
    with deps.uow() as uow:
        ids = list(
            uow.session.scalars(
                select(QuizQuestion.id)
                .where(QuizQuestion.quiz_id == quiz_id)
                .order_by(QuizQuestion.order_index)
            )
        )
        answers = [AnswerIn(question_id=i, **a) for i, a in zip(ids, ANSWERS, strict=True)]
        result = submissions.submit_attempt(
            uow, learner, quiz_id, attempt.id, AttemptSubmit(answers=answers)
        )
    return (
        f"{learner.email} took {QUIZ_TITLE!r}: {result.status}, the essay waits for the "
        "instructor (GET /api/v1/quizzes/{quiz_id}/attempts?status=needs_grading)"
    )


def ensure_file(deps: Dependencies, teacher: Actor) -> str:
    with deps.uow() as uow:
        exists = uow.session.scalar(
            select(UploadedFile.id).where(
                UploadedFile.uploader_id == teacher.id,
                UploadedFile.original_filename == FILE_NAME,
            )
        )
        if exists is not None:
            return f"file {FILE_NAME}: kept"
        upload_file(
            uow,
            deps.files,
            deps.settings,
            teacher,
            IncomingFile(FILE_NAME, SYLLABUS),
            folder=FILE_FOLDER,
            is_public=True,
        )
    return f"file {FILE_NAME}: uploaded by the instructor, public (GET /api/v1/files/my-files)"


def ensure_certificate(deps: Dependencies, learner: Actor, course_id: uuid.UUID) -> str:
    """The learner completes every lesson of the course and gets its certificate; its PDF
    and signed credential come from the certificates queue (`lms serve` runs it)."""
    with deps.uow() as uow:
        number = uow.session.scalar(
            select(Certificate.certificate_number).where(
                Certificate.student_id == learner.id, Certificate.course_id == course_id
            )
        )
        if number is not None:
            return f"certificate {number}: kept"
        enrollment = uow.session.scalars(
            select(Enrollment).where(
                Enrollment.student_id == learner.id, Enrollment.course_id == course_id
            )
        ).one()
        enrollment_id, completed = enrollment.id, enrollment.status == EnrollmentStatus.COMPLETED
        outline = lessons.list_lessons(uow, learner, course_id).items
    if not completed:
        for lesson in outline:
            with deps.uow() as uow:
                progress.complete_lesson(uow, learner, enrollment_id, lesson.id)
    with deps.uow() as uow:
        certificate, _ = certificates.generate_certificate(uow, learner, str(enrollment_id))
    return (
        f"certificate {certificate.certificate_number}: {learner.email} completed "
        f"{certificate.course_title!r}; the certificates queue renders its PDF and signed "
        "credential when lms serve runs (GET /api/v1/certificates/my-certificates)"
    )


def ensure_webhook_subscription(deps: Dependencies, admin: Actor, port: int) -> str:
    """The admin's subscription of `lms serve`'s local receiver (on `port`) to WEBHOOK_EVENTS,
    signed with the secret the receiver derives; kept when there, its URL moved to `port`."""
    require_access(ADMIN_SETUP_COMPLETE, admin)  # as POST /api/v1/webhooks requires
    if port == 0:
        return (
            "webhook subscription: left as it is; with --port 0 lms serve picks its port when "
            "it starts: run lms seed-demo --port <the port it prints> to subscribe its receiver"
        )
    url = local_webhooks.receiver_url(port)
    with deps.uow() as uow:
        existing = uow.session.scalar(
            select(WebhookSubscription.id)
            .where(WebhookSubscription.description == WEBHOOK_DESCRIPTION)
            .order_by(WebhookSubscription.created_at)
            .limit(1)
        )
        if existing is None:
            what = "created"
            existing = webhooks.create(
                uow,
                deps.settings,
                WebhookCreate(
                    url=url, events=list(WEBHOOK_EVENTS), description=WEBHOOK_DESCRIPTION
                ),
                secret=local_webhooks.receiver_secret(deps.settings),
            ).id
        elif webhooks.get(uow, str(existing)).url != url:
            what = f"kept, its URL moved to port {port}"
            webhooks.update(uow, deps.settings, str(existing), WebhookUpdate(url=url))
        else:
            what = "kept"
    with deps.uow() as uow:
        seeded = webhooks.get(uow, str(existing))
    state = "active" if seeded.active else f"disabled ({seeded.disabled_reason})"
    return (
        f"webhook subscription {seeded.id}: {what}; {seeded.url} for "
        f"{', '.join(seeded.events)}; {state}; lms serve keeps each delivery in "
        f"{deps.settings.LOCAL_WEBHOOKS_DIR}/ (POST /api/v1/webhooks/{seeded.id}/ping sends one)"
    )
