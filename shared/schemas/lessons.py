"""Lessons of a course: what clients send to create, change and order them, and what they read.

Rules that need the stored lesson or course (a video_url on a non-video lesson, a null for a
field that cannot be null, a slug or position already taken) are the service's: they answer
400/409 with the reference's messages, not the 422 of a malformed body.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    ConfigDict,
    Field,
    StringConstraints,
)

from shared.domain.courses import LessonType
from shared.schemas.base import Schema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 255
VIDEO_URL_MAX_LENGTH = 500
# Bounds keep reordering (which shifts positions above the current maximum) and the course's
# duration sum far inside a 32-bit integer column.
MAX_ORDER_INDEX = 100_000
MAX_DURATION_MINUTES = 10_000
MAX_REORDERED_LESSONS = 1000

_DROPPED = re.compile(r"[^a-z0-9\s-]")
_SEPARATORS = re.compile(r"[\s-]+")


def slugify(text: str) -> str:
    """The reference's rule: lower-case; drop characters other than [a-z0-9\\s-]; collapse
    whitespace and dashes to one '-'; trim '-'."""
    return _SEPARATORS.sub("-", _DROPPED.sub("", text.lower())).strip("-")


def _check_video_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None  # a blank field means "no video", as leaving it out does
    parts = urlsplit(value)
    # Learners open this link; only web addresses (never javascript: or data:) are stored.
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("video_url must be an http(s) address with a host")
    if len(value) > VIDEO_URL_MAX_LENGTH:
        raise ValueError(f"video_url may have at most {VIDEO_URL_MAX_LENGTH} characters")
    return value


def _no_duplicates(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    repeated = sorted(str(i) for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise ValueError(f"each lesson may appear once; repeated: {', '.join(repeated)}")
    return ids


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=255)]
Slug = Annotated[
    str, StringConstraints(min_length=3, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)
]
OrderIndex = Annotated[int, Field(ge=1, le=MAX_ORDER_INDEX)]
DurationMinutes = Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES)]
VideoUrl = Annotated[
    str | None,
    AfterValidator(_check_video_url),
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
    metadata: dict[str, Any] | None = None


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
    metadata: dict[str, Any] | None = None


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
