"""/api/v1/analytics: the figures of a student, a course, an instructor and the system.

The fields are the reference's (§1.11). Every figure is computed when asked, from the rows
as they are now; fractional figures are JSON numbers rounded half-up to 2 places, and a mean
over nothing is 0 (the reference's choice), never null. The formulas are in
shared/services/analytics*.py and the README's "Analytics" notes.
"""

from __future__ import annotations

import datetime as dt
import uuid

from shared.schemas.base import Schema


class StudentProgressOut(Schema):
    """GET /analytics/my-progress: the caller's enrollments and graded quiz attempts."""

    student_id: uuid.UUID
    total_enrollments: int
    active_enrollments: int
    completed_enrollments: int
    average_progress: float
    total_time_hours: float
    total_lessons_completed: int
    quizzes_taken: int
    quizzes_passed: int
    average_quiz_score: float  # a percentage, 0-100 (the reference averaged raw scores)


class DashboardCourseOut(Schema):
    """One of the caller's enrollments."""

    course_id: uuid.UUID
    course_title: str
    progress_percentage: float
    completed_lessons: int
    total_lessons: int
    time_spent_hours: float
    quizzes_completed: int
    average_quiz_score: float


class DailyActivityOut(Schema):
    """What the caller did on one UTC date."""

    date: dt.date
    lessons_completed: int
    time_spent_minutes: float
    quizzes_taken: int


class DueAssignmentOut(Schema):
    """A published assignment the caller still owes work for: nothing submitted yet, or work
    returned for rework (`status` "returned"). `is_overdue`: past its due date, late work
    still accepted."""

    assignment_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    title: str
    due_date: dt.datetime
    is_overdue: bool
    late_policy: str
    max_points: int
    submission_id: uuid.UUID | None
    status: str | None


class GradedAssignmentOut(Schema):
    """One of the caller's graded submissions."""

    assignment_id: uuid.UUID
    submission_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    title: str
    grade: float
    max_grade: float
    is_late: bool
    graded_at: dt.datetime


class StudentDashboardOut(Schema):
    """GET /analytics/my-dashboard; the assignment lists are additions to the reference."""

    student_id: uuid.UUID
    summary: StudentProgressOut
    courses: list[DashboardCourseOut]
    recent_activity: list[DailyActivityOut]
    assignments_due: list[DueAssignmentOut]
    assignments_graded: list[GradedAssignmentOut]


class CourseAnalyticsOut(Schema):
    """GET /analytics/courses/{course_id}, for the course's instructor and admins."""

    course_id: uuid.UUID
    course_title: str
    total_enrollments: int
    active_students: int
    completed_students: int
    completion_rate: float
    average_progress: float
    average_time_hours: float
    average_rating: float
    total_reviews: int


class InstructorOverviewOut(Schema):
    """GET /analytics/instructors/{instructor_id}/overview (`instructor_id` is a user id)."""

    instructor_id: uuid.UUID
    total_courses: int
    published_courses: int
    total_students: int
    total_enrollments: int
    average_course_rating: float
    # Submissions to the instructor's assignments waiting for a grade (submitted or revised):
    # an addition to the reference.
    submissions_awaiting_grading: int


class SystemOverviewOut(Schema):
    """GET /analytics/system/overview; `total_admins` is an addition to the reference."""

    total_users: int
    total_students: int
    total_instructors: int
    total_admins: int
    total_courses: int
    published_courses: int
    total_enrollments: int
    active_enrollments: int
