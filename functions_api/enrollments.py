"""/api/v1/enrollments: enrolling, lesson progress, reviews, dropping, and a course's
enrollments for its managers."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, Request, WithStatus, route
from shared.schemas.enrollments import (
    CourseEnrollmentStats,
    EnrollmentCreate,
    EnrollmentOut,
    LessonProgressOut,
    LessonProgressUpdate,
    ReviewCreate,
)
from shared.schemas.pages import Page, PageQuery
from shared.services import course_enrollments, enrollments, progress

bp = func.Blueprint()

ENROLLMENT = "api/v1/enrollments/{enrollment_id:guid}"
LESSON = ENROLLMENT + "/lessons/{lesson_id:guid}"


@route(
    bp,
    "POST",
    "api/v1/enrollments",
    name="enrollments_create",
    access=AUTHENTICATED,
    body=EnrollmentCreate,
    response=EnrollmentOut,
    status=201,
)
def enrollments_create(request: Request, body: EnrollmentCreate) -> WithStatus:
    """Enroll in a published course: 201 when new, 200 with the enrollment that exists."""
    enrollment, created = enrollments.enroll(request.actor, body)
    return WithStatus(enrollment, 201 if created else 200)


@route(
    bp,
    "GET",
    "api/v1/enrollments/my-courses",
    name="enrollments_my_courses",
    access=AUTHENTICATED,
    query=PageQuery,
    response=Page[EnrollmentOut],
)
def enrollments_my_courses(request: Request, query: PageQuery) -> Page[EnrollmentOut]:
    """The caller's enrollments, newest first."""
    return enrollments.my_courses(request.actor, query)


@route(bp, "GET", ENROLLMENT, name="enrollments_get", access=AUTHENTICATED, response=EnrollmentOut)
def enrollments_get(request: Request, enrollment_id: str) -> EnrollmentOut:
    """One enrollment, for its student, the course's instructor or an admin."""
    return enrollments.get_enrollment(request.actor, enrollment_id)


@route(
    bp,
    "PUT",
    LESSON + "/progress",
    name="enrollments_update_progress",
    access=AUTHENTICATED,
    body=LessonProgressUpdate,
    response=LessonProgressOut,
)
def enrollments_update_progress(
    request: Request, enrollment_id: str, lesson_id: str, body: LessonProgressUpdate
) -> LessonProgressOut:
    """Record progress in one lesson (fields left out keep their value)."""
    return progress.update_progress(request.actor, enrollment_id, lesson_id, body)


@route(
    bp,
    "POST",
    LESSON + "/complete",
    name="enrollments_complete_lesson",
    access=AUTHENTICATED,
    response=LessonProgressOut,
)
def enrollments_complete_lesson(
    request: Request, enrollment_id: str, lesson_id: str
) -> LessonProgressOut:
    """Mark one lesson completed."""
    return progress.complete_lesson(request.actor, enrollment_id, lesson_id)


@route(
    bp,
    "POST",
    ENROLLMENT + "/review",
    name="enrollments_review",
    access=AUTHENTICATED,
    body=ReviewCreate,
    response=EnrollmentOut,
)
def enrollments_review(request: Request, enrollment_id: str, body: ReviewCreate) -> EnrollmentOut:
    """Rate and review the course (replaces an earlier review); needs 20 % done."""
    return enrollments.review(request.actor, enrollment_id, body)


@route(
    bp,
    "POST",
    ENROLLMENT + "/drop",
    name="enrollments_drop",
    access=AUTHENTICATED,
    response=EnrollmentOut,
)
def enrollments_drop(request: Request, enrollment_id: str) -> EnrollmentOut:
    """Leave the course; progress is kept should the student enroll again."""
    return enrollments.drop(request.actor, enrollment_id)


@route(
    bp,
    "GET",
    "api/v1/enrollments/courses/{course_id:guid}",
    name="enrollments_course_list",
    access=AUTHENTICATED,
    query=PageQuery,
    response=Page[EnrollmentOut],
)
def enrollments_course_list(
    request: Request, course_id: str, query: PageQuery
) -> Page[EnrollmentOut]:
    """A course's enrollments, newest first, for its instructor and admins."""
    return course_enrollments.list_course_enrollments(request.actor, course_id, query)


@route(
    bp,
    "GET",
    "api/v1/enrollments/courses/{course_id:guid}/stats",
    name="enrollments_course_stats",
    access=AUTHENTICATED,
    response=CourseEnrollmentStats,
)
def enrollments_course_stats(request: Request, course_id: str) -> CourseEnrollmentStats:
    """A course's enrollment counts and average progress, for its instructor and admins."""
    return course_enrollments.course_enrollment_stats(request.actor, course_id)
