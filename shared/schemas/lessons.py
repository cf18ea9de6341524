"""Lessons of a course: what clients send to create, change and order them, and what they read.

Rules that need the stored lesson or course (a video_url on a non-video lesson, a null for a
field that cannot be null, a slug or position already taken), and whether a video_url is an
http(s) address, are the service's: they answer
400/409 with the reference's messages, not the 422 of a malformed body.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from shared.domain.courses import LessonType
from shared.schemas.base import Schema
from shared.schemas.fields import Metadata, Slug

VIDEO_URL_MAX_LENGTH = 500  # the column's String(500)
# Bounds keep reordering (which shifts positions above the current maximum) and the course's
# duration sum far inside a 32-bit integer column.
MAX_ORDER_INDEX = 100_000
MAX_DURATION_MINUTES = 10_000
MAX_REORDERED_LESSONS = 1000


def _blank_as_none(value: object) -> object:
    """A blank video_url means "no video", as leaving it out does."""
    return None if isinstance(value, str) and not value.strip() else value


def _no_duplicates(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    repeated = sorted(str(i) for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise ValueError(f"each lesson may appear once; repeated: {', '.join(repeated)}")
    return ids


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=255)]
OrderIndex = Annotated[int, Field(ge=1, le=MAX_ORDER_INDEX)]
DurationMinutes = Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES)]
# Learners open this link; only web addresses (never javascript: or data:) are stored. The
# service checks that (400 with the reference's message, not a 422), after the trimming here.
VideoUrl = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=VIDEO_URL_MAX_LENGTH)]
    | None,
    BeforeValidator(_blank_as_none),
    Field(validation_alias=AliasChoices("video_url", "video_link")),
]


class LessonCreate(Schema):
    """POST /courses/{course_id}/lessons. `slug` defaults to slugify(title), `order_index` to
    the end of the course."""

    title: Title
    slug: Slug | None = None
    description: str | None = None
    content: str | None = None
    lesson_type: LessonType
    order_index: OrderIndex | None = None
    parent_lesson_id: uuid.UUID | None = None
    duration_minutes: DurationMinutes | None = None
    video_url: VideoUrl = None
    is_preview: bool = False
    metadata: Metadata | None = None


class LessonUpdate(Schema):
    """PATCH /lessons/{lesson_id}: the fields sent change. A null clears a nullable field;
    title, slug, lesson_type, order_index and is_preview cannot be null (400)."""

    title: Title | None = None
    slug: Slug | None = None
    description: str | None = None
    content: str | None = None
    lesson_type: LessonType | None = None
    order_index: OrderIndex | None = None
    parent_lesson_id: uuid.UUID | None = None
    duration_minutes: DurationMinutes | None = None
    video_url: VideoUrl = None
    is_preview: bool | None = None
    metadata: Metadata | None = None


class LessonReorder(Schema):
    """PUT /courses/{course_id}/lessons/order: every lesson of the course, in the new order."""

    lesson_ids: Annotated[
        list[uuid.UUID],
        Field(min_length=1, max_length=MAX_REORDERED_LESSONS),
        AfterValidator(_no_duplicates),
    ]


class LessonOut(Schema):
    """The reference's LessonResponse."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    slug: str
    description: str | None
    content: str | None
    lesson_type: str
    order_index: int
    parent_lesson_id: uuid.UUID | None
    duration_minutes: int | None
    video_url: str | None
    is_preview: bool
    created_at: datetime
    updated_at: datetime


class LessonList(Schema):
    items: list[LessonOut]
    total: int
