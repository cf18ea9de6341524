"""Assignments and submissions (/api/v1/assignments): what instructors and students send and
read. The reference's fields, plus the due-date rules (late_policy, late_penalty_percent,
max_submissions), the lesson an assignment completes, and each submission's versions.

What the server decides is never taken from a client: a submission's `submitted_at` and
`status` (the reference let clients choose them), and a grade's scale (`max_grade` is the
assignment's `max_points`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from shared.domain.assignments import AssignmentStatus, LatePolicy, SubmissionStatus
from shared.schemas.base import Schema
from shared.schemas.fields import Metadata, StoredMetadata, web_url

MAX_POINTS = 100_000
MAX_SUBMISSIONS = 100
MAX_FILES = 20
MAX_FEEDBACK_ATTACHMENTS = 20
PAGE_LIMIT = 100


def _as_utc(value: datetime) -> datetime:
    """A date without a zone is read as UTC (the reference stored timestamptz)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
DueDate = Annotated[datetime, AfterValidator(_as_utc)]
MaxPoints = Annotated[int, Field(ge=1, le=MAX_POINTS)]
PenaltyPercent = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
MaxSubmissions = Annotated[int, Field(ge=1, le=MAX_SUBMISSIONS)]
GradingType = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Link = Annotated[str, web_url(max_length=2048)]
Content = Annotated[str, StringConstraints(max_length=100_000)]
Feedback = Annotated[str, StringConstraints(max_length=20_000)]
SubmissionType = Literal["text", "link", "file", "mixed"]


# --- assignments ---------------------------------------------------------------------------


class AssignmentCreate(Schema):
    """An assignment of a course. `status` draft, published or archived (anything else is
    a 422); `is_published: true` is the same as `status: published`."""

    course_id: uuid.UUID
    lesson_id: uuid.UUID | None = None
    title: Title
    description: Text | None = None
    instructions: Text | None = None
    due_date: DueDate | None = None
    max_points: MaxPoints = 100
    grading_type: GradingType | None = None
    assignment_metadata: Metadata | None = None
    status: AssignmentStatus = AssignmentStatus.DRAFT
    is_published: bool = False
    late_policy: LatePolicy = LatePolicy.REFUSE
    late_penalty_percent: PenaltyPercent | None = None  # per day late, with late_policy penalty
    max_submissions: MaxSubmissions | None = 1  # null: unlimited


class AssignmentUpdate(Schema):
    """Fields left out keep their value; `null` clears the nullable ones."""

    lesson_id: uuid.UUID | None = None
    title: Title | None = None
    description: Text | None = None
    instructions: Text | None = None
    due_date: DueDate | None = None
    max_points: MaxPoints | None = None
    grading_type: GradingType | None = None
    assignment_metadata: Metadata | None = None
    status: AssignmentStatus | None = None
    is_published: bool | None = None
    late_policy: LatePolicy | None = None
    late_penalty_percent: PenaltyPercent | None = None
    max_submissions: MaxSubmissions | None = None


class AssignmentOut(Schema):
    """The reference's AssignmentResponse, plus lesson_id, the late rules and published_at."""

    id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID | None
    instructor_id: uuid.UUID
    title: str
    description: str | None
    instructions: str | None
    due_date: datetime | None
    max_points: int
    grading_type: str | None
    assignment_metadata: StoredMetadata
    status: str
    is_published: bool
    late_policy: str
    late_penalty_percent: float | None
    max_submissions: int | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SliceQuery(Schema):
    """The reference's skip/limit, bounded (its limit=0 divided by zero: a 500)."""

    skip: int = Field(default=0, ge=0, le=10_000_000)
    limit: int = Field(default=PAGE_LIMIT, ge=1, le=PAGE_LIMIT)


class AssignmentList(Schema):
    assignments: list[AssignmentOut]
    total: int
    page: int  # skip // limit + 1
    page_size: int  # limit


# --- submissions ---------------------------------------------------------------------------


class SubmissionCreate(Schema):
    """Work for an assignment: text (`content`), a `link_url`, files of the files module
    (`file_ids`, the caller's own), or several. `enrollment_id` may be left out: it is the
    caller's enrollment in the assignment's course. A `submitted_at` or `status` sent is
    ignored: the server decides them."""

    model_config = ConfigDict(extra="ignore")

    assignment_id: uuid.UUID
    enrollment_id: uuid.UUID | None = None
    content: Content | None = None
    link_url: Link | None = None
    file_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_FILES)] = Field(default_factory=list)
    submission_type: SubmissionType | None = None
    submission_metadata: Metadata | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_free_file_urls(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("file_urls"):
            raise ValueError(
                "file_urls are not taken: upload each file with POST /api/v1/files/upload "
                "and send its id in file_ids"
            )
        return data

    @model_validator(mode="after")
    def _something_sent(self) -> SubmissionCreate:
        if not ((self.content or "").strip() or self.link_url or self.file_ids):
            raise ValueError("send the work: content, link_url or file_ids (at least one)")
        if len(set(self.file_ids)) != len(self.file_ids):
            raise ValueError("file_ids lists a file twice")
        return self


class SubmissionFileOut(Schema):
    id: uuid.UUID
    original_filename: str
    mime_type: str
    file_size: int
    download_url: str  # /api/v1/files/download/{id}: the student, the course's managers


class SubmissionVersionOut(Schema):
    number: int
    submission_type: str
    content: str | None
    link_url: str | None
    files: list[SubmissionFileOut]
    submission_metadata: StoredMetadata
    submitted_at: datetime
    is_late: bool
    days_late: int


class SubmissionOut(Schema):
    """The reference's SubmissionResponse (content, file_urls, submission_type and
    submission_metadata are the current version's), plus the student, the current version's
    number, link and files, lateness and the late penalty applied to the grade."""

    id: uuid.UUID
    assignment_id: uuid.UUID
    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    version: int
    content: str | None
    link_url: str | None
    file_urls: list[str]
    files: list[SubmissionFileOut]
    submission_type: str
    submission_metadata: StoredMetadata
    submitted_at: datetime
    is_late: bool
    days_late: int
    graded_at: datetime | None
    returned_at: datetime | None
    status: str
    grade: float | None
    grade_before_penalty: float | None
    late_penalty_percent: float | None
    max_grade: float | None
    feedback: str | None
    feedback_attachments: list[str]


class SubmissionDetail(SubmissionOut):
    """One submission with every version the student submitted, first to last."""

    versions: list[SubmissionVersionOut]


class SubmissionList(Schema):
    submissions: list[SubmissionOut]
    total: int
    page: int
    page_size: int


class SubmissionsQuery(SliceQuery):
    status: SubmissionStatus | None = None


class GradeIn(Schema):
    """A grade on the assignment's scale: 0 <= grade <= max_points. `max_grade` may be sent
    (the reference's clients do) but must then equal the assignment's max_points."""

    grade: float = Field(allow_inf_nan=False)
    max_grade: float | None = Field(default=None, allow_inf_nan=False)
    feedback: Feedback = ""
    feedback_attachments: Annotated[list[Link], Field(max_length=MAX_FEEDBACK_ATTACHMENTS)] = Field(
        default_factory=list
    )


class SubmissionReview(Schema):
    """PUT /submissions/{id}: grade, feedback, or send back (`status: returned`). Fields left
    out keep their value; `graded_at` and `returned_at` are the server's clock."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["graded", "returned"] | None = None
    grade: float | None = Field(default=None, allow_inf_nan=False)
    max_grade: float | None = Field(default=None, allow_inf_nan=False)
    feedback: Feedback | None = None
    feedback_attachments: (
        Annotated[list[Link], Field(max_length=MAX_FEEDBACK_ATTACHMENTS)] | None
    ) = None
