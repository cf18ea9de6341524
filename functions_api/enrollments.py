"""/api/v1/enrollments: enrolling, lesson progress, reviews, dropping, and a course's
enrollments for its managers."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, Actor, Router, WithStatus
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
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/enrollments", access=AUTHENTICATED)

ENROLLMENT = "{enrollment_id:guid}"
LESSON = ENROLLMENT + "/lessons/{lesson_id:guid}"


@api.post(status=201, other_statuses=(200,))
def enrollments_create(
    body: EnrollmentCreate, actor: Actor, uow: UnitOfWork
) -> WithStatus[EnrollmentOut]:
    """Enroll in a published course: 201 when new, 200 with the enrollment that exists."""
    enrollment, created = enrollments.enroll(uow, actor, body)
    return WithStatus(enrollment, 201 if created else 200)


@api.get("my-courses")
def enrollments_my_courses(query: PageQuery, actor: Actor, uow: UnitOfWork) -> Page[EnrollmentOut]:
    """The caller's enrollments, newest first."""
    return enrollments.my_courses(uow, actor, query)


@api.get(ENROLLMENT)
def enrollments_get(enrollment_id: str, actor: Actor, uow: UnitOfWork) -> EnrollmentOut:
    """One enrollment, for its student, the course's instructor or an admin."""
    return enrollments.get_enrollment(uow, actor, enrollment_id)


@api.put(LESSON + "/progress")
def enrollments_update_progress(
    enrollment_id: str, lesson_id: str, body: LessonProgressUpdate, actor: Actor, uow: UnitOfWork
) -> LessonProgressOut:
    """Record progress in one lesson (fields left out keep their value)."""
    return progress.update_progress(uow, actor, enrollment_id, lesson_id, body)


@api.post(LESSON + "/complete")
def enrollments_complete_lesson(
    enrollment_id: str, lesson_id: str, actor: Actor, uow: UnitOfWork
) -> LessonProgressOut:
    """Mark one lesson completed."""
    return progress.complete_lesson(uow, actor, enrollment_id, lesson_id)


@api.post(ENROLLMENT + "/review")
def enrollments_review(
    enrollment_id: str, body: ReviewCreate, actor: Actor, uow: UnitOfWork
) -> EnrollmentOut:
    """Rate and review the course (replaces an earlier review); needs 20 % done."""
    return enrollments.review(uow, actor, enrollment_id, body)


@api.post(ENROLLMENT + "/drop")
def enrollments_drop(enrollment_id: str, actor: Actor, uow: UnitOfWork) -> EnrollmentOut:
    """Leave the course; progress is kept should the student enroll again."""
    return enrollments.drop(uow, actor, enrollment_id)


@api.get("courses/{course_id:guid}")
def enrollments_course_list(
    course_id: str, query: PageQuery, actor: Actor, uow: UnitOfWork
) -> Page[EnrollmentOut]:
    """A course's enrollments, newest first, for its instructor and admins."""
    return course_enrollments.list_course_enrollments(uow, actor, course_id, query)


@api.get("courses/{course_id:guid}/stats")
def enrollments_course_stats(
    course_id: str, actor: Actor, uow: UnitOfWork
) -> CourseEnrollmentStats:
    """A course's enrollment counts and average progress, for its instructor and admins."""
    return course_enrollments.course_enrollment_stats(uow, actor, course_id)
