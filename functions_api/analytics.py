"""/api/v1/analytics: a student's progress and dashboard, a course's figures, an instructor's
overview and the system's. Every figure is computed from the rows when asked (no cache)."""

from __future__ import annotations

import azure.functions as func

from shared.http import ADMIN_SETUP_COMPLETE, AUTHENTICATED, Request, route
from shared.schemas.analytics import (
    CourseAnalyticsOut,
    InstructorOverviewOut,
    StudentDashboardOut,
    StudentProgressOut,
    SystemOverviewOut,
)
from shared.services.analytics import courses as analytics_courses
from shared.services.analytics import students as analytics_students

bp = func.Blueprint()

ANALYTICS = "api/v1/analytics"


@route(
    bp,
    "GET",
    ANALYTICS + "/my-progress",
    name="analytics_my_progress",
    access=AUTHENTICATED,
    response=StudentProgressOut,
)
def analytics_my_progress(request: Request) -> StudentProgressOut:
    """The caller's enrollments, time, lessons and graded quizzes in figures."""
    return analytics_students.my_progress(request.actor)


@route(
    bp,
    "GET",
    ANALYTICS + "/my-dashboard",
    name="analytics_my_dashboard",
    access=AUTHENTICATED,
    response=StudentDashboardOut,
)
def analytics_my_dashboard(request: Request) -> StudentDashboardOut:
    """The caller's figures, one row per enrollment and the activity of the last 30 days."""
    return analytics_students.my_dashboard(request.actor)


@route(
    bp,
    "GET",
    ANALYTICS + "/courses/{course_id:guid}",
    name="analytics_course",
    access=AUTHENTICATED,
    response=CourseAnalyticsOut,
)
def analytics_course(request: Request, course_id: str) -> CourseAnalyticsOut:
    """A course's enrollment, completion, progress and rating figures, for its instructor
    and admins."""
    return analytics_courses.course_analytics(request.actor, course_id)


@route(
    bp,
    "GET",
    ANALYTICS + "/instructors/{instructor_id:guid}/overview",
    name="analytics_instructor_overview",
    access=AUTHENTICATED,
    response=InstructorOverviewOut,
)
def analytics_instructor_overview(request: Request, instructor_id: str) -> InstructorOverviewOut:
    """An instructor's courses, enrollments, students and rating (instructor_id: a user id),
    for that instructor and admins."""
    return analytics_courses.instructor_overview(request.actor, instructor_id)


@route(
    bp,
    "GET",
    ANALYTICS + "/system/overview",
    name="analytics_system_overview",
    access=ADMIN_SETUP_COMPLETE,
    response=SystemOverviewOut,
)
def analytics_system_overview(request: Request) -> SystemOverviewOut:
    """Users by role, courses and enrollments across the system, for admins."""
    return analytics_courses.system_overview()
