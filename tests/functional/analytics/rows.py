"""Enrollments with their figures, lesson progress, quizzes and quiz attempts written straight
to the database, so an analytics test states exactly what the figures are made of.

    with rows() as session:
        enrollment = add_enrollment(session, student, course, progress=25.5, seconds=1800)
        quiz = add_quiz(session, lessons_of(course)[0])
        add_attempt(session, enrollment, quiz, percentage=60, is_passed=False, submitted_at=t)

Rows are committed when the block ends and read back detached; ids are set on creation.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment, LessonProgress
from shared.domain.quizzes import Quiz, QuizAttempt
from shared.domain.users import User
from tests.unit_of_work import unit_of_work

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_attempt_numbers = itertools.count(1)


@contextmanager
def rows() -> Iterator[Session]:
    with unit_of_work() as uow:
        yield uow.session
        uow.commit()
        uow.session.expunge_all()


def add_enrollment(
    session: Session,
    student: User,
    course: Course,
    *,
    status: str = "active",
    enrolled_at: datetime = EPOCH,
    progress: float = 0,
    lessons_done: int = 0,
    lessons: int | None = None,
    seconds: int = 0,
    rating: int | None = None,
) -> Enrollment:
    """An enrollment whose summary figures are the given ones (not recomputed)."""
    enrollment = Enrollment(
        id=uuid.uuid4(),
        student_id=student.id,
        course_id=course.id,
        enrolled_at=enrolled_at,
        started_at=enrolled_at,
        status=status,
        progress_percentage=progress,
        completed_lessons_count=lessons_done,
        total_lessons_count=course.total_lessons if lessons is None else lessons,
        total_time_spent_seconds=seconds,
        rating=rating,
        review="A review of the course" if rating else None,
        reviewed_at=enrolled_at if rating else None,
        updated_at=enrolled_at,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def add_progress(
    session: Session,
    enrollment: Enrollment,
    lesson: Lesson,
    *,
    seconds: int,
    completed_at: datetime | None,
) -> LessonProgress:
    """A lesson's progress: completed at `completed_at`, or in progress when None."""
    progress = LessonProgress(
        id=uuid.uuid4(),
        enrollment_id=enrollment.id,
        lesson_id=lesson.id,
        status="completed" if completed_at else "in_progress",
        started_at=EPOCH,
        completed_at=completed_at,
        time_spent_seconds=seconds,
        last_position_seconds=0,
        completion_percentage=100 if completed_at else 50,
        updated_at=completed_at or EPOCH,
    )
    session.add(progress)
    session.flush()
    return progress


def add_quiz(session: Session, lesson: Lesson) -> Quiz:
    """A published quiz on the lesson."""
    quiz = Quiz(
        id=uuid.uuid4(),
        course_id=lesson.course_id,
        lesson_id=lesson.id,
        title="A quiz",
        is_published=True,
        published_at=EPOCH,
        created_at=EPOCH,
        updated_at=EPOCH,
    )
    session.add(quiz)
    session.flush()
    return quiz


def add_attempt(
    session: Session,
    enrollment: Enrollment,
    quiz: Quiz,
    *,
    status: str = "graded",
    score: float | None = None,
    max_score: float = 10,
    percentage: float | None = None,
    is_passed: bool | None = None,
    submitted_at: datetime | None = None,
) -> QuizAttempt:
    """An attempt of the enrollment's student at the quiz, with the given result."""
    attempt = QuizAttempt(
        id=uuid.uuid4(),
        quiz_id=quiz.id,
        enrollment_id=enrollment.id,
        student_id=enrollment.student_id,
        attempt_number=next(_attempt_numbers),  # unique is all it needs to be
        status=status,
        started_at=submitted_at or EPOCH,
        submitted_at=submitted_at,
        graded_at=submitted_at if status == "graded" else None,
        score=score,
        max_score=max_score,
        percentage=percentage,
        is_passed=is_passed,
    )
    session.add(attempt)
    session.flush()
    return attempt
