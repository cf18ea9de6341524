"""/api/v1/analytics: a student's progress and dashboard, a course's figures, an instructor's
overview and the system's. Every figure is computed from the rows when asked (no cache)."""

from __future__ import annotations

import azure.functions as func

from shared.http import ADMIN_SETUP_COMPLETE, AUTHENTICATED, Actor, Router
from shared.schemas.analytics import (
    CourseAnalyticsOut,
    InstructorOverviewOut,
    StudentDashboardOut,
    StudentProgressOut,
    SystemOverviewOut,
)
from shared.services.analytics import courses, students
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/analytics", access=AUTHENTICATED)


@api.get("my-progress")
def analytics_my_progress(actor: Actor, uow: UnitOfWork) -> StudentProgressOut:
    """The caller's enrollments, time, lessons and graded quizzes in figures."""
    return students.my_progress(uow, actor)


@api.get("my-dashboard")
def analytics_my_dashboard(actor: Actor, uow: UnitOfWork) -> StudentDashboardOut:
    """The caller's figures, one row per enrollment and the activity of the last 30 days."""
    return students.my_dashboard(uow, actor)


@api.get("courses/{course_id:guid}")
def analytics_course(course_id: str, actor: Actor, uow: UnitOfWork) -> CourseAnalyticsOut:
    """A course's enrollment, completion, progress and rating figures, for its instructor
    and admins."""
    return courses.course_analytics(uow, actor, course_id)


@api.get("instructors/{instructor_id:guid}/overview")
def analytics_instructor_overview(
    instructor_id: str, actor: Actor, uow: UnitOfWork
) -> InstructorOverviewOut:
    """An instructor's courses, enrollments, students and rating (instructor_id: a user id),
    for that instructor and admins."""
    return courses.instructor_overview(uow, actor, instructor_id)


@api.get("system/overview", access=ADMIN_SETUP_COMPLETE)
def analytics_system_overview(uow: UnitOfWork) -> SystemOverviewOut:
    """Users by role, courses and enrollments across the system, for admins."""
    return courses.system_overview(uow)
