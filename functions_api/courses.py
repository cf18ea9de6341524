"""/api/v1/courses: the catalogue, and the courses instructors build and publish."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, INSTRUCTOR, OPTIONAL, Actor, Router
from shared.schemas.courses import CourseCreate, CourseListQuery, CourseOut, CourseUpdate
from shared.schemas.pages import Page
from shared.services import courses
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/courses", access=AUTHENTICATED)


@api.get(access=OPTIONAL)
def courses_list(query: CourseListQuery, actor: Actor | None, uow: UnitOfWork) -> Page[CourseOut]:
    """Courses the caller may see, newest first; drafts only for their managers."""
    return courses.list_courses(uow, actor, query)


@api.post(access=INSTRUCTOR, status=201)
def courses_create(body: CourseCreate, actor: Actor, uow: UnitOfWork) -> CourseOut:
    """Create a draft course owned by the caller."""
    return courses.create_course(uow, actor, body)


@api.get("{course_id:guid}", access=OPTIONAL)
def courses_get(course_id: str, actor: Actor | None, uow: UnitOfWork) -> CourseOut:
    """One course by id (a draft only for its managers)."""
    return courses.get_course(uow, actor, course_id)


@api.get("slug/{slug:maxlength(255)}", access=OPTIONAL)
def courses_get_by_slug(slug: str, actor: Actor | None, uow: UnitOfWork) -> CourseOut:
    """One course by slug (a draft only for its managers)."""
    return courses.get_course_by_slug(uow, actor, slug)


@api.patch("{course_id:guid}")
def courses_update(course_id: str, body: CourseUpdate, actor: Actor, uow: UnitOfWork) -> CourseOut:
    """Change a course; is_published=true follows the publishing rules."""
    return courses.update_course(uow, actor, course_id, body)


@api.post("{course_id:guid}/publish")
def courses_publish(course_id: str, actor: Actor, uow: UnitOfWork) -> CourseOut:
    """Publish a draft course (instructors need a verified profile)."""
    return courses.publish_course(uow, actor, course_id)


@api.delete("{course_id:guid}", status=204)
def courses_delete(course_id: str, actor: Actor, uow: UnitOfWork) -> None:
    """Delete a course nobody is enrolled in, with its lessons."""
    courses.delete_course(uow, actor, course_id)
