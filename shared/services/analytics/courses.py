"""Figures for those who run courses: one course (its instructor, admins), an instructor's
courses (that instructor, admins) and the whole system (admins whose setup is complete).

Course, over every enrollment of the course whatever its status:
    total_enrollments      COUNT(*); active_students, completed_students: COUNT by status
    completion_rate        completed_students / total_enrollments * 100
    average_progress       SUM(progress_percentage) / COUNT(*)
    average_time_hours     SUM(total_time_spent_seconds) / COUNT(*) / 3600
    average_rating         AVG(rating) over the ratings given (0 when none)
    total_reviews          COUNT(rating)
Instructor (`instructor_id` is the user id, as in the reference), over the courses the user
owns and every enrollment in them:
    total_courses, published_courses, total_enrollments, total_students (distinct students)
    average_course_rating  AVG of every rating in those courses: each rating weighs the same,
                           so a course with 40 ratings counts 40 times one with a single
                           rating (not a mean of the courses' means)
    submissions_awaiting_grading  submissions to those courses' assignments with status
                           submitted or revised
System: users by role, courses, published courses, enrollments, active enrollments.

Always computed from the rows, never cached (the reference cached a course's figures for
five minutes and never invalidated them); the course's columns maintained by the progress
queue (enrollment_count, average_rating, ...) lag it by a message and count differently.
Statements: course 2 (the course, one aggregate on enrollments(course_id)), instructor 1,
system 1.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.domain.errors import AccessDeniedError, ResourceNotFoundError
from shared.domain.users import Role, User
from shared.schemas.analytics import CourseAnalyticsOut, InstructorOverviewOut, SystemOverviewOut
from shared.security.permissions import Actor
from shared.services.analytics.assignments import awaiting_grading
from shared.services.analytics.formulas import (
    INSUFFICIENT_PERMISSIONS,
    count_where,
    is_analyst,
    mean,
    one_row,
    per_hour,
    percent,
)
from shared.services.course_access import load_course, require_manager
from shared.services.ids import parse_id
from shared.uow import UnitOfWork

NOT_COURSE_ANALYST = "Not authorized to view analytics for this course"
NOT_INSTRUCTOR_ANALYST = "Not authorized to view analytics for this instructor"
INSTRUCTOR_NOT_FOUND = "Instructor not found"


def course_analytics(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID
) -> CourseAnalyticsOut:
    if not is_analyst(actor):
        raise AccessDeniedError(INSUFFICIENT_PERMISSIONS)
    course = load_course(uow.session, course_id)
    require_manager(actor, course, NOT_COURSE_ANALYST)
    row = uow.session.execute(
        select(
            func.count().label("enrollments"),
            count_where(Enrollment.status == EnrollmentStatus.ACTIVE.value).label("active"),
            count_where(Enrollment.status == EnrollmentStatus.COMPLETED.value).label("completed"),
            func.sum(Enrollment.progress_percentage).label("progress"),
            func.sum(Enrollment.total_time_spent_seconds).label("seconds"),
            func.sum(Enrollment.rating).label("rating"),
            func.count(Enrollment.rating).label("ratings"),
        ).where(Enrollment.course_id == course.id)
    ).one()
    return CourseAnalyticsOut(
        course_id=course.id,
        course_title=course.title,
        total_enrollments=row.enrollments,
        active_students=row.active,
        completed_students=row.completed,
        completion_rate=percent(row.completed, row.enrollments),
        average_progress=mean(row.progress, row.enrollments),
        average_time_hours=per_hour(row.seconds, row.enrollments),
        average_rating=mean(row.rating, row.ratings),
        total_reviews=row.ratings,
    )


def instructor_overview(
    uow: UnitOfWork, actor: Actor, instructor_id: str | uuid.UUID
) -> InstructorOverviewOut:
    """One statement: the courses aggregate (index courses(instructor_id, created_at)), the
    enrollments aggregate joined to those courses (enrollments(course_id, ...)), and whether
    the user exists (an unknown id is 404; a user without courses has zeros)."""
    if not is_analyst(actor):
        raise AccessDeniedError(INSUFFICIENT_PERMISSIONS)
    user_id = parse_id(instructor_id, INSTRUCTOR_NOT_FOUND)
    if not (actor.is_admin or actor.id == user_id):
        raise AccessDeniedError(NOT_INSTRUCTOR_ANALYST)
    owned = Course.instructor_id == user_id
    courses = (
        select(
            func.count().label("courses"),
            count_where(Course.is_published.is_(True)).label("published"),
        )
        .where(owned)
        .subquery("course_figures")
    )
    enrollments = (
        select(
            func.count().label("enrollments"),
            func.count(Enrollment.student_id.distinct()).label("students"),
            func.sum(Enrollment.rating).label("rating"),
            func.count(Enrollment.rating).label("ratings"),
        )
        .join(Course, Course.id == Enrollment.course_id)
        .where(owned)
        .subquery("enrollment_figures")
    )
    user = select(func.count().label("known")).where(User.id == user_id).subquery("user_known")
    submissions = awaiting_grading(user_id)
    row = uow.session.execute(one_row(courses, enrollments, user, submissions)).one()
    if not row.known:
        raise ResourceNotFoundError(INSTRUCTOR_NOT_FOUND)
    return InstructorOverviewOut(
        instructor_id=user_id,
        total_courses=row.courses,
        published_courses=row.published,
        total_students=row.students,
        total_enrollments=row.enrollments,
        average_course_rating=mean(row.rating, row.ratings),
        submissions_awaiting_grading=row.awaiting,
    )


def system_overview(uow: UnitOfWork) -> SystemOverviewOut:
    """One statement: a pass over each of users, courses and enrollments."""
    users = select(
        func.count().label("users"),
        count_where(User.role == Role.STUDENT.value).label("students"),
        count_where(User.role == Role.INSTRUCTOR.value).label("instructors"),
        count_where(User.role == Role.ADMIN.value).label("admins"),
    ).subquery("user_figures")
    courses = select(
        func.count().label("courses"),
        count_where(Course.is_published.is_(True)).label("published"),
    ).subquery("course_figures")
    enrollments = select(
        func.count().label("enrollments"),
        count_where(Enrollment.status == EnrollmentStatus.ACTIVE.value).label("active"),
    ).subquery("enrollment_figures")
    row = uow.session.execute(one_row(users, courses, enrollments)).one()
    return SystemOverviewOut(
        total_users=row.users,
        total_students=row.students,
        total_instructors=row.instructors,
        total_admins=row.admins,
        total_courses=row.courses,
        published_courses=row.published,
        total_enrollments=row.enrollments,
        active_enrollments=row.active,
    )
