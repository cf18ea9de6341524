"""/api/v1/courses/{course_id}/lessons and /api/v1/lessons: a course's lessons, read as the
course's visibility allows and changed by its managers (the service checks who manages)."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, OPTIONAL, Actor, Router
from shared.schemas.lessons import LessonCreate, LessonList, LessonOut, LessonReorder, LessonUpdate
from shared.services import lessons
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1", access=AUTHENTICATED)


@api.get("courses/{course_id:guid}/lessons", access=OPTIONAL)
def lessons_list(course_id: str, actor: Actor | None, uow: UnitOfWork) -> LessonList:
    """The course's lessons by position; without enrollment, non-preview lessons are outlines."""
    return lessons.list_lessons(uow, actor, course_id)


@api.post("courses/{course_id:guid}/lessons", status=201)
def lessons_create(course_id: str, body: LessonCreate, actor: Actor, uow: UnitOfWork) -> LessonOut:
    """Add a lesson to a course (course managers)."""
    return lessons.create_lesson(uow, actor, course_id, body)


@api.put("courses/{course_id:guid}/lessons/order")
def lessons_reorder(
    course_id: str, body: LessonReorder, actor: Actor, uow: UnitOfWork
) -> LessonList:
    """Put every lesson of the course at positions 1..n in the order given (course managers)."""
    return lessons.reorder_lessons(uow, actor, course_id, body)


@api.get("lessons/{lesson_id:guid}", access=OPTIONAL)
def lessons_get(lesson_id: str, actor: Actor | None, uow: UnitOfWork) -> LessonOut:
    """One lesson; a non-preview lesson of a published course needs an enrollment."""
    return lessons.get_lesson(uow, actor, lesson_id)


@api.patch("lessons/{lesson_id:guid}")
def lessons_update(lesson_id: str, body: LessonUpdate, actor: Actor, uow: UnitOfWork) -> LessonOut:
    """Change the fields sent; null clears a nullable field (course managers)."""
    return lessons.update_lesson(uow, actor, lesson_id, body)


@api.delete("lessons/{lesson_id:guid}", status=204)
def lessons_delete(lesson_id: str, actor: Actor, uow: UnitOfWork) -> None:
    """Delete a lesson; its sub-lessons stay, without a parent (course managers)."""
    lessons.delete_lesson(uow, actor, lesson_id)
