"""Courses, lessons and enrollments written straight to the database for tests.

    instructor, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(instructor, lessons=3)
    enrollment = make_enrollment(student, course)

Rows are committed and returned detached, readable after the unit of work closes.
`committed_before_insert` commits a row at the worst moment for the code under test, as a
request that wins a race would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shared import bootstrap
from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment
from shared.domain.instructors import InstructorProfile
from shared.domain.users import User
from tests.unit_of_work import unit_of_work


def make_course(
    instructor: User,
    *,
    published: bool = True,
    lessons: int = 0,
    title: str | None = None,
    **fields: Any,
) -> Course:
    """A committed course with `lessons` text lessons (order 1..n), aggregates kept right."""
    now = datetime.now(UTC)
    title = title or f"Course {uuid.uuid4().hex[:8]}"
    course = Course(
        id=uuid.uuid4(),
        title=title,
        slug=fields.pop("slug", None) or f"course-{uuid.uuid4().hex[:12]}",
        instructor_id=instructor.id,
        is_published=published,
        published_at=now if published else None,
        requirements=fields.pop("requirements", []),
        learning_objectives=fields.pop("learning_objectives", []),
        total_lessons=lessons,
        lessons_duration_minutes=10 * lessons,
        created_at=fields.pop("created_at", now),
        updated_at=now,
        **fields,
    )
    with unit_of_work() as uow:
        uow.session.add(course)
        uow.session.flush()
        for index in range(1, lessons + 1):
            uow.session.add(_lesson(course, index, now))
        uow.commit()
        uow.session.expunge_all()
    return course


def _lesson(course: Course, index: int, now: datetime, **fields: Any) -> Lesson:
    return Lesson(
        id=uuid.uuid4(),
        course_id=course.id,
        title=fields.pop("title", f"Lesson {index}"),
        slug=fields.pop("slug", f"lesson-{index}-{uuid.uuid4().hex[:6]}"),
        content=fields.pop("content", f"Content of lesson {index}"),
        lesson_type=fields.pop("lesson_type", "text"),
        order_index=index,
        duration_minutes=fields.pop("duration_minutes", 10),
        is_preview=fields.pop("is_preview", False),
        created_at=now,
        updated_at=now,
        **fields,
    )


def make_lesson(course: Course, **fields: Any) -> Lesson:
    """One more committed lesson at the end of the course (course.total_lessons kept right)."""
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        stored = uow.session.get(Course, course.id, with_for_update=True)
        assert stored is not None
        last = uow.session.scalar(
            select(Lesson.order_index)
            .where(Lesson.course_id == course.id)
            .order_by(Lesson.order_index.desc())
            .limit(1)
        )
        lesson = _lesson(course, fields.pop("order_index", (last or 0) + 1), now, **fields)
        uow.session.add(lesson)
        stored.total_lessons += 1
        stored.lessons_duration_minutes += lesson.duration_minutes or 0
        uow.commit()
        uow.session.expunge_all()
    return lesson


def lessons_of(course: Course) -> list[Lesson]:
    with unit_of_work() as uow:
        lessons = list(
            uow.session.scalars(
                select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.order_index)
            )
        )
        uow.session.expunge_all()
        return lessons


def make_enrollment(student: User, course: Course, **fields: Any) -> Enrollment:
    """A committed active enrollment with nothing done yet."""
    now = datetime.now(UTC)
    enrollment = Enrollment(
        id=uuid.uuid4(),
        student_id=student.id,
        course_id=course.id,
        enrolled_at=fields.pop("enrolled_at", now),
        started_at=now,
        status=fields.pop("status", "active"),
        progress_percentage=0,
        completed_lessons_count=0,
        total_lessons_count=fields.pop("total_lessons_count", course.total_lessons),
        total_time_spent_seconds=0,
        updated_at=now,
        **fields,
    )
    with unit_of_work() as uow:
        uow.session.add(enrollment)
        uow.commit()
        uow.session.expunge_all()
    return enrollment


def verify_instructor(instructor: User) -> None:
    """Give the instructor a verified profile: what publishing a course requires."""
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        uow.session.add(
            InstructorProfile(
                user_id=instructor.id,
                bio="Teaches things",
                expertise=["teaching"],
                is_verified=True,
                verification_status="verified",
                created_at=now,
                updated_at=now,
            )
        )
        uow.commit()


def load(model: type, row_id: uuid.UUID) -> Any:
    """A row as stored now (detached), or None."""
    with unit_of_work() as uow:
        row = uow.session.get(model, row_id)
        uow.session.expunge_all()
        return row


@contextmanager
def committed_before_insert(model: type, write: Callable[[], object]) -> Iterator[list[object]]:
    """Run `write` (rows committed in their own unit of work) the first time a session is
    about to insert a `model` row: another request committing between the code's check and
    its insert. Yields what `write` returned, once it ran.

    PostgreSQL only: on SQLite every transaction begins IMMEDIATE, so the code under test
    holds the write lock from its check on, and `write` would wait for it in vain.
    """
    written: list[object] = []
    running = False

    def before_flush(session: Session, *_: Any) -> None:
        nonlocal running
        if running or written or not any(isinstance(row, model) for row in session.new):
            return
        running = True  # `write` flushes a `model` row too
        try:
            written.append(write())
        finally:
            running = False

    sessions = bootstrap.current().sessions
    event.listen(sessions, "before_flush", before_flush)
    try:
        yield written
    finally:
        event.remove(sessions, "before_flush", before_flush)
