"""/api/v1/enrollments: enrolling, lesson progress, reviews, and a course's enrollments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from shared.domain.enrollments import ProgressStatus
from shared.domain.rounding import two_places
from shared.schemas.base import Schema
from shared.schemas.fields import AS_DECIMAL_STRING

MAX_SECONDS = 10_000_000  # about 115 days: more is a client bug, not a learner


# A percentage as a JSON number with at most two decimals (stored as numeric(5, 2)); the
# bounds are checked before rounding, which cannot take 1e308.
Percentage = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), AfterValidator(two_places)]
Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS)]
# In a response: the reference's Decimal, rendered "33.33".
PercentageOut = Annotated[Percentage, AS_DECIMAL_STRING]


class EnrollmentCreate(Schema):
    course_id: uuid.UUID


class EnrollmentOut(Schema):
    """The reference's EnrollmentResponse, plus `dropped_at`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    student_id: uuid.UUID
    course_id: uuid.UUID
    enrolled_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    dropped_at: datetime | None
    status: str
    progress_percentage: PercentageOut
    completed_lessons_count: int
    total_lessons_count: int
    total_time_spent_seconds: int
    last_accessed_at: datetime | None
    certificate_issued_at: datetime | None
    rating: int | None
    review: str | None


class LessonProgressUpdate(Schema):
    """PUT .../progress: fields left out keep their stored value (§3.10 of the reference).

    `time_spent_seconds` and `last_position_seconds` are absolute values, not increments."""

    status: ProgressStatus | None = None
    time_spent_seconds: Seconds | None = None
    last_position_seconds: Seconds | None = None
    completion_percentage: Percentage | None = None
    notes: Annotated[str, Field(max_length=5000)] | None = None


class LessonProgressOut(Schema):
    """The reference's LessonProgressResponse, plus `notes`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enrollment_id: uuid.UUID
    lesson_id: uuid.UUID
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    time_spent_seconds: int
    last_position_seconds: int
    completion_percentage: PercentageOut
    notes: str | None


class ReviewCreate(Schema):
    rating: Annotated[int, Field(ge=1, le=5)]
    review: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class CourseEnrollmentStats(Schema):
    """`average_progress` is over the active and completed enrollments (dropped ones left out)."""

    course_id: uuid.UUID
    total_enrollments: int
    active_enrollments: int
    completed_enrollments: int
    dropped_enrollments: int
    average_progress: Percentage
