"""/api/v1/courses: the catalogue, and the courses instructors build and publish."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, INSTRUCTOR, OPTIONAL, Request, route
from shared.schemas.courses import CourseCreate, CourseListQuery, CourseOut, CourseUpdate
from shared.schemas.pages import Page
from shared.services import courses

bp = func.Blueprint()


@route(
    bp,
    "GET",
    "api/v1/courses",
    name="courses_list",
    access=OPTIONAL,
    query=CourseListQuery,
    response=Page[CourseOut],
)
def courses_list(request: Request, query: CourseListQuery) -> Page[CourseOut]:
    """Courses the caller may see, newest first; drafts only for their managers."""
    return courses.list_courses(request.actor, query)


@route(
    bp,
    "POST",
    "api/v1/courses",
    name="courses_create",
    access=INSTRUCTOR,
    body=CourseCreate,
    response=CourseOut,
    status=201,
)
def courses_create(request: Request, body: CourseCreate) -> CourseOut:
    """Create a draft course owned by the caller."""
    return courses.create_course(request.actor, body)


@route(
    bp,
    "GET",
    "api/v1/courses/{course_id:guid}",
    name="courses_get",
    access=OPTIONAL,
    response=CourseOut,
)
def courses_get(request: Request, course_id: str) -> CourseOut:
    """One course by id (a draft only for its managers)."""
    return courses.get_course(request.actor, course_id)


@route(
    bp,
    "GET",
    "api/v1/courses/slug/{slug:maxlength(255)}",
    name="courses_get_by_slug",
    access=OPTIONAL,
    response=CourseOut,
)
def courses_get_by_slug(request: Request, slug: str) -> CourseOut:
    """One course by slug (a draft only for its managers)."""
    return courses.get_course_by_slug(request.actor, slug)


@route(
    bp,
    "PATCH",
    "api/v1/courses/{course_id:guid}",
    name="courses_update",
    access=AUTHENTICATED,
    body=CourseUpdate,
    response=CourseOut,
)
def courses_update(request: Request, course_id: str, body: CourseUpdate) -> CourseOut:
    """Change a course; is_published=true follows the publishing rules."""
    return courses.update_course(request.actor, course_id, body)


@route(
    bp,
    "POST",
    "api/v1/courses/{course_id:guid}/publish",
    name="courses_publish",
    access=AUTHENTICATED,
    response=CourseOut,
)
def courses_publish(request: Request, course_id: str) -> CourseOut:
    """Publish a draft course (instructors need a verified profile)."""
    return courses.publish_course(request.actor, course_id)


@route(
    bp,
    "DELETE",
    "api/v1/courses/{course_id:guid}",
    name="courses_delete",
    access=AUTHENTICATED,
    status=204,
)
def courses_delete(request: Request, course_id: str) -> None:
    """Delete a course nobody is enrolled in, with its lessons."""
    courses.delete_course(request.actor, course_id)
