"""/api/v1/courses/{course_id}/lessons and /api/v1/lessons: a course's lessons, read as the
course's visibility allows and changed by its managers (the service checks who manages)."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, OPTIONAL, Request, route
from shared.schemas.lessons import LessonCreate, LessonList, LessonOut, LessonReorder, LessonUpdate
from shared.services import lessons

bp = func.Blueprint()


@route(
    bp,
    "GET",
    "api/v1/courses/{course_id:guid}/lessons",
    name="lessons_list",
    access=OPTIONAL,
    response=LessonList,
)
def lessons_list(request: Request, course_id: str) -> LessonList:
    """The course's lessons by position; without enrollment, non-preview lessons are outlines."""
    return lessons.list_lessons(course_id, request.actor)


@route(
    bp,
    "POST",
    "api/v1/courses/{course_id:guid}/lessons",
    name="lessons_create",
    access=AUTHENTICATED,
    body=LessonCreate,
    response=LessonOut,
    status=201,
)
def lessons_create(request: Request, course_id: str, body: LessonCreate) -> LessonOut:
    """Add a lesson to a course (course managers)."""
    return lessons.create_lesson(course_id, body, request.actor)


@route(
    bp,
    "PUT",
    "api/v1/courses/{course_id:guid}/lessons/order",
    name="lessons_reorder",
    access=AUTHENTICATED,
    body=LessonReorder,
    response=LessonList,
)
def lessons_reorder(request: Request, course_id: str, body: LessonReorder) -> LessonList:
    """Put every lesson of the course at positions 1..n in the order given (course managers)."""
    return lessons.reorder_lessons(course_id, body, request.actor)


@route(
    bp,
    "GET",
    "api/v1/lessons/{lesson_id:guid}",
    name="lessons_get",
    access=OPTIONAL,
    response=LessonOut,
)
def lessons_get(request: Request, lesson_id: str) -> LessonOut:
    """One lesson; a non-preview lesson of a published course needs an enrollment."""
    return lessons.get_lesson(lesson_id, request.actor)


@route(
    bp,
    "PATCH",
    "api/v1/lessons/{lesson_id:guid}",
    name="lessons_update",
    access=AUTHENTICATED,
    body=LessonUpdate,
    response=LessonOut,
)
def lessons_update(request: Request, lesson_id: str, body: LessonUpdate) -> LessonOut:
    """Change the fields sent; null clears a nullable field (course managers)."""
    return lessons.update_lesson(lesson_id, body, request.actor)


@route(
    bp,
    "DELETE",
    "api/v1/lessons/{lesson_id:guid}",
    name="lessons_delete",
    access=AUTHENTICATED,
    status=204,
)
def lessons_delete(request: Request, lesson_id: str) -> None:
    """Delete a lesson; its sub-lessons stay, without a parent (course managers)."""
    lessons.delete_lesson(lesson_id, request.actor)
