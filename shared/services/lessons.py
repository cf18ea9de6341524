"""Lessons of a course: read as the course's visibility allows (course_access), changed by the
course's managers.

Every change locks the course row first, so the changes to one course's lessons run one at a
time: positions, slugs and the course's lesson figures (total_lessons, lessons_duration_minutes,
written in the same transaction) never race. Creating or deleting a lesson publishes
course.lessons_changed on the progress queue, where the enrollments' lesson counts and
percentages are recomputed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.domain.courses import Course, Lesson, LessonType
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.quizzes import Quiz
from shared.messages.events import CourseLessonsChanged
from shared.schemas.fields import is_web_address
from shared.schemas.lessons import LessonCreate, LessonList, LessonOut, LessonReorder, LessonUpdate
from shared.security.permissions import Actor
from shared.services.course_access import (
    can_read_content,
    load_course,
    require_manager,
    require_visible,
)
from shared.services.ids import parse_id
from shared.services.lesson_positions import (
    POSITION_TAKEN,
    SLUG_TAKEN,
    free_position,
    free_slug_from_title,
    require_every_lesson_once,
    require_free_slug,
)
from shared.services.quizzes.authoring import has_attempts, refresh_total_quizzes
from shared.uow import UnitOfWork

LESSON_NOT_FOUND = "Lesson not found"
PARENT_NOT_FOUND = "Parent lesson not found"
PARENT_OTHER_COURSE = "Parent lesson must belong to the same course"
PARENT_CYCLE = "Parent lesson creates a cycle"
VIDEO_URL_NOT_VIDEO = "video_url is only allowed for video lessons"
VIDEO_URL_NOT_WEB = "video_url must be a valid http/https URL"
NEVER_NULL = ("title", "slug", "lesson_type", "order_index", "is_preview")
QUIZ_HAS_ATTEMPTS = (
    "This lesson's quiz has attempts; archive the quiz instead of deleting the lesson"
)


def _out(lesson: Lesson, *, full: bool = True) -> LessonOut:
    """The lesson as the caller may see it: the outline only (no content, no video) when the
    caller may not read the course's content and the lesson is not a preview."""
    out = LessonOut.model_validate(lesson)
    if full or lesson.is_preview:
        return out
    return out.model_copy(update={"content": None, "video_url": None})


def list_lessons(uow: UnitOfWork, actor: Actor | None, course_id: str | uuid.UUID) -> LessonList:
    """The course's lessons by position: the course, the enrollment when it decides what the
    caller reads, then one query for the lessons."""
    course = load_course(uow.session, course_id)
    require_visible(actor, course, "Not authorized to view lessons for this course")
    full = can_read_content(uow.session, actor, course)
    lessons = uow.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.order_index)
    ).all()
    items = [_out(lesson, full=full) for lesson in lessons]
    return LessonList(items=items, total=len(items))


def get_lesson(uow: UnitOfWork, actor: Actor | None, lesson_id: str | uuid.UUID) -> LessonOut:
    row = (
        uow.session.execute(
            select(Lesson, Course)
            .join(Course, Course.id == Lesson.course_id)
            .where(Lesson.id == parse_id(lesson_id, LESSON_NOT_FOUND))
        )
        .tuples()
        .one_or_none()
    )
    if row is None:
        raise ResourceNotFoundError(LESSON_NOT_FOUND)
    lesson, course = row
    require_visible(actor, course, "Not authorized to view this lesson")
    if not lesson.is_preview and not can_read_content(uow.session, actor, course):
        raise AccessDeniedError("Enroll in this course to view this lesson")
    return _out(lesson)


def create_lesson(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, data: LessonCreate
) -> LessonOut:
    now = uow.clock()
    session = uow.session
    course = load_course(session, course_id, for_update=True)
    require_manager(actor, course)
    _require_video_lesson(data.lesson_type, data.video_url)
    if data.parent_lesson_id is not None:
        _load_parent(session, course, data.parent_lesson_id)
    if data.slug is not None:
        require_free_slug(session, course.id, data.slug)
    lesson = Lesson(
        id=uuid.uuid4(),
        course_id=course.id,
        title=data.title,
        slug=data.slug or free_slug_from_title(session, course.id, data.title),
        description=data.description,
        content=data.content,
        lesson_type=data.lesson_type.value,
        order_index=free_position(session, course.id, data.order_index),
        parent_lesson_id=data.parent_lesson_id,
        duration_minutes=data.duration_minutes,
        video_url=data.video_url,
        is_preview=data.is_preview,
        metadata_=data.metadata,
        created_at=now,
        updated_at=now,
    )
    session.add(lesson)
    with _conflicts_as_409():
        _refresh_course_figures(session, course, now)
        uow.publish(CourseLessonsChanged(course_id=course.id))
        uow.commit()
    return _out(lesson)


def update_lesson(
    uow: UnitOfWork, actor: Actor, lesson_id: str | uuid.UUID, data: LessonUpdate
) -> LessonOut:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field in NEVER_NULL:
        if field in changes and changes[field] is None:
            raise RuleViolationError(f"'{field}' cannot be null")
    now = uow.clock()
    session = uow.session
    lesson, course = _locked_lesson(session, lesson_id)
    require_manager(actor, course)
    if "lesson_type" in changes:
        changes["lesson_type"] = LessonType(changes["lesson_type"]).value
    lesson_type = changes.get("lesson_type", lesson.lesson_type)
    _require_video_lesson(lesson_type, changes.get("video_url"))
    if lesson_type != LessonType.VIDEO:
        changes["video_url"] = None  # a lesson that is no longer a video loses its link
    if changes.get("slug", lesson.slug) != lesson.slug:
        require_free_slug(session, course.id, changes["slug"])
    if changes.get("order_index", lesson.order_index) != lesson.order_index:
        free_position(session, course.id, changes["order_index"])
    parent_id = changes.get("parent_lesson_id")
    if parent_id is not None and parent_id != lesson.parent_lesson_id:
        _require_no_cycle(session, lesson, _load_parent(session, course, parent_id))
    duration_changed = changes.get("duration_minutes", lesson.duration_minutes) != (
        lesson.duration_minutes
    )
    for field, value in changes.items():
        setattr(lesson, "metadata_" if field == "metadata" else field, value)
    lesson.updated_at = now
    with _conflicts_as_409():
        if duration_changed:
            _refresh_course_figures(session, course, now)
        uow.commit()
    return _out(lesson)


def delete_lesson(uow: UnitOfWork, actor: Actor, lesson_id: str | uuid.UUID) -> None:
    """Delete a lesson. The database sets its children's parent to null and deletes its
    progress rows and its quiz (foreign keys; SQLite enforces them too, see shared.db). A
    lesson whose quiz has attempts stays: deleting it would delete students' results."""
    now = uow.clock()
    session = uow.session
    lesson, course = _locked_lesson(session, lesson_id)
    require_manager(actor, course)
    quiz_id = session.scalar(select(Quiz.id).where(Quiz.lesson_id == lesson.id))
    if quiz_id is not None and has_attempts(session, quiz_id):
        raise ResourceConflictError(QUIZ_HAS_ATTEMPTS)
    session.delete(lesson)
    _refresh_course_figures(session, course, now)
    if quiz_id is not None:
        refresh_total_quizzes(session, course.id)
    uow.publish(CourseLessonsChanged(course_id=course.id))
    uow.commit()


def reorder_lessons(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, data: LessonReorder
) -> LessonList:
    """Put the course's lessons at positions 1..n in the order given (every lesson, once)."""
    now = uow.clock()
    session = uow.session
    course = load_course(session, course_id, for_update=True)
    require_manager(actor, course)
    lessons = {
        lesson.id: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    require_every_lesson_once(lessons, data.lesson_ids)
    moving = [
        (position, lessons[lesson_id])
        for position, lesson_id in enumerate(data.lesson_ids, start=1)
        if lessons[lesson_id].order_index != position
    ]
    if moving:
        # Two steps, so the unique (course_id, order_index) never sees two lessons on one
        # position: the moving lessons first go above the highest position in use (which
        # is at least n), then each to its place.
        top = max(lesson.order_index for lesson in lessons.values())
        session.execute(
            update(Lesson)
            .where(Lesson.id.in_([lesson.id for _, lesson in moving]))
            .values(order_index=Lesson.order_index + top)
            .execution_options(synchronize_session=False)
        )
        for position, lesson in moving:
            lesson.order_index = position
            lesson.updated_at = now
        with _conflicts_as_409():
            uow.commit()
    items = [_out(lessons[lesson_id]) for lesson_id in data.lesson_ids]
    return LessonList(items=items, total=len(items))


def _locked_lesson(session: Session, lesson_id: str | uuid.UUID) -> tuple[Lesson, Course]:
    """The lesson and its course, with the course row locked. The lesson is read after the
    lock, so it is what the previous change of this course committed."""
    lesson_uuid = parse_id(lesson_id, LESSON_NOT_FOUND)
    course_id = session.scalar(select(Lesson.course_id).where(Lesson.id == lesson_uuid))
    if course_id is None:
        raise ResourceNotFoundError(LESSON_NOT_FOUND)
    course = load_course(session, course_id, for_update=True)
    lesson = session.get(Lesson, lesson_uuid)
    if lesson is None:  # deleted while this request waited for the lock
        raise ResourceNotFoundError(LESSON_NOT_FOUND)
    return lesson, course


def _require_video_lesson(lesson_type: str, video_url: str | None) -> None:
    """A video_url is a web address (the reference's rule, answered 400 as it did), and only
    a video lesson has one."""
    if video_url is None:
        return
    if not is_web_address(video_url):
        raise RuleViolationError(VIDEO_URL_NOT_WEB)
    if lesson_type != LessonType.VIDEO:
        raise RuleViolationError(VIDEO_URL_NOT_VIDEO)


def _load_parent(session: Session, course: Course, parent_id: uuid.UUID) -> Lesson:
    parent = session.get(Lesson, parent_id)
    if parent is None:
        raise ResourceNotFoundError(PARENT_NOT_FOUND)
    if parent.course_id != course.id:
        raise RuleViolationError(PARENT_OTHER_COURSE)
    return parent


def _require_no_cycle(session: Session, lesson: Lesson, parent: Lesson) -> None:
    """Walk up from the new parent: meeting the lesson itself would close a cycle. The
    course's parent links are read in one query, however deep the chain."""
    links = select(Lesson.id, Lesson.parent_lesson_id).where(Lesson.course_id == lesson.course_id)
    parents = dict(session.execute(links).tuples().all())
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = parent.id
    while current is not None and current not in seen:
        if current == lesson.id:
            raise RuleViolationError(PARENT_CYCLE)
        seen.add(current)
        current = parents.get(current)


def _refresh_course_figures(session: Session, course: Course, now: datetime) -> None:
    """Recount the course's lessons and their minutes (one COUNT/SUM over what was flushed)."""
    session.flush()
    count, minutes = session.execute(
        select(func.count(Lesson.id), func.coalesce(func.sum(Lesson.duration_minutes), 0)).where(
            Lesson.course_id == course.id
        )
    ).one()
    course.total_lessons = count
    course.lessons_duration_minutes = minutes
    course.updated_at = now


@contextmanager
def _conflicts_as_409() -> Iterator[None]:
    """The unique constraints behind lesson_positions' checks: a conflict the checks could not
    see still answers 409, never 500."""
    try:
        yield
    except IntegrityError as exc:
        raise ResourceConflictError(
            SLUG_TAKEN if "slug" in str(exc.orig) else POSITION_TAKEN
        ) from None
