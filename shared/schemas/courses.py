"""/api/v1/courses: the course as clients create, change, list and read it.

The aggregate fields of the reference's CourseCreate/CourseUpdate (enrollment_count,
total_reviews, total_quizzes, average_rating, status) are accepted with their reference bounds,
so existing clients keep working, and ignored: the system computes them (reference defect 6.14).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from shared.domain.courses import DifficultyLevel
from shared.schemas.base import Schema
from shared.schemas.fields import (
    SLUG_MAX_LENGTH,
    SLUG_MIN_LENGTH,
    Metadata,
    StoredMetadata,
    slugify,
    web_url,
)
from shared.schemas.pages import PageQuery

if TYPE_CHECKING:
    from sqlalchemy import Row

    from shared.domain.courses import Course

PUBLISHED, DRAFT = "published", "draft"
# The course's attributes a CourseOut is made of: a list selects these columns, labelled so.
COURSE_COLUMNS = (
    "id",
    "title",
    "slug",
    "description",
    "instructor_id",
    "category",
    "difficulty_level",
    "is_published",
    "published_at",
    "thumbnail_url",
    "estimated_duration_minutes",
    "lessons_duration_minutes",
    "metadata_",
    "price",
    "currency",
    "is_free",
    "long_description",
    "preview_video_url",
    "requirements",
    "learning_objectives",
    "total_lessons",
    "total_quizzes",
    "enrollment_count",
    "total_reviews",
    "average_rating",
    "created_at",
    "updated_at",
)
URL_MAX_LENGTH = 500  # the columns' String(500)


def _upper(value: str) -> str:
    return value.upper()


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=255)]
# What a client may send as a course slug: the reference's 3-255 characters, slugified.
SlugSource = Annotated[
    str, StringConstraints(min_length=SLUG_MIN_LENGTH, max_length=SLUG_MAX_LENGTH)
]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Browsers load these for every visitor: web addresses only (never javascript: or data:).
WebUrl = Annotated[str, web_url(max_length=URL_MAX_LENGTH)]
# Stored in a 32-bit column.
Minutes = Annotated[int, Field(ge=1, le=2**31 - 1)]
Price = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2, allow_inf_nan=False)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), AfterValidator(_upper)]
ListItem = Annotated[str, StringConstraints(max_length=500)]
Items = Annotated[list[ListItem], Field(max_length=50)]
# Read-only aggregates: validated as the reference did, then dropped (exclude=True).
IgnoredCount = Annotated[int | None, Field(ge=0, exclude=True)]
IgnoredRating = Annotated[float | None, Field(ge=0, le=5, exclude=True)]
IgnoredStatus = Annotated[str | None, Field(max_length=20, exclude=True)]


class _CourseFields(Schema):
    description: str | None = None
    category: Category | None = None
    difficulty_level: DifficultyLevel | None = None
    thumbnail_url: WebUrl | None = None
    estimated_duration_minutes: Minutes | None = None
    metadata: Metadata | None = None
    price: Price | None = None
    currency: Currency | None = None
    is_free: bool | None = None
    long_description: str | None = None
    preview_video_url: WebUrl | None = None
    requirements: Items | None = None
    learning_objectives: Items | None = None
    total_reviews: IgnoredCount = None
    total_quizzes: IgnoredCount = None
    enrollment_count: IgnoredCount = None
    average_rating: IgnoredRating = None
    status: IgnoredStatus = None


class CourseCreate(_CourseFields):
    """POST /courses. The slug is slugify(slug) when one is sent (3 to 255 characters of any
    kind, as the reference took it: "My Course!" becomes "my-course"), else slugify(title)."""

    title: Title
    slug: SlugSource | None = None

    @model_validator(mode="after")
    def _slugified(self) -> CourseCreate:
        source, origin = (self.title, "title") if self.slug is None else (self.slug, "slug")
        slug = slugify(source)
        if len(slug) < SLUG_MIN_LENGTH:
            raise ValueError(
                f"the {origin} gives the slug {slug!r}, shorter than 3 characters; send a slug "
                "with at least 3 letters or digits (a-z, 0-9; spaces and dashes become '-')"
            )
        self.slug = slug
        return self


class CourseUpdate(_CourseFields):
    """PATCH /courses/{id}: the fields sent change; null clears a nullable field.

    `title`, `is_published` and `is_free` cannot be null (the service answers 400, as the
    reference does for title). The slug never changes: links to it stay valid.
    """

    title: Title | None = None
    is_published: bool | None = None

    def column_values(self) -> dict[str, Any]:
        """The fields sent (but is_published), as Course attributes: null lists become []."""
        values = self.model_dump(include=self.model_fields_set - {"is_published"})
        if values.get("price") is not None:
            values["price"] = float(values["price"])
        if values.get("difficulty_level") is not None:
            values["difficulty_level"] = values["difficulty_level"].value
        for field in ("requirements", "learning_objectives"):
            if field in values and values[field] is None:
                values[field] = []
        if "metadata" in values:
            values["metadata_"] = values.pop("metadata")
        return values


def _empty_as_none(value: object) -> object:
    """`?category=` filters nothing, as in the reference (it tested the value for truth)."""
    return None if value == "" else value


ListFilter = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(_empty_as_none)
]


class CourseListQuery(PageQuery):
    """The reference's filters. `difficulty_level` is compared as text: a level that does not
    exist matches no course (200, no items), as in the reference, rather than a 422."""

    category: ListFilter = None
    difficulty_level: ListFilter = None
    search: Annotated[str, StringConstraints(max_length=200)] | None = None
    mine: bool = False


class CourseOut(Schema):
    """The reference's CourseResponse, with the fields it always left null filled in, plus
    published_at and metadata."""

    id: uuid.UUID
    title: str
    slug: str
    description: str | None
    instructor_id: uuid.UUID
    instructor_name: str | None
    category: str | None
    difficulty_level: str | None
    is_published: bool
    published_at: datetime | None
    status: str
    thumbnail_url: str | None
    estimated_duration_minutes: int | None
    duration_hours: float
    metadata: StoredMetadata
    price: float | None
    currency: str | None
    is_free: bool
    long_description: str | None
    preview_video_url: str | None
    requirements: list[str]
    learning_objectives: list[str]
    total_lessons: int
    total_quizzes: int
    enrollment_count: int
    total_reviews: int
    review_count: int
    average_rating: float | None
    rating: float | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, course: Course, instructor_name: str | None) -> CourseOut:
        values = {name: getattr(course, name) for name in COURSE_COLUMNS}
        return cls._of_values(values | {"instructor_name": instructor_name})

    @classmethod
    def of_rows(cls, rows: Sequence[Row[Any]]) -> list[CourseOut]:
        """From rows of COURSE_COLUMNS and `instructor_name` by those names (a list reads
        these: no ORM instance per course). Each row becomes a dict in one step: read by
        name, through its mapping, 36 look-ups cost more than validating the course."""
        names = rows[0]._fields if rows else ()  # built at each call: read once a page
        return [cls._of_values(dict(zip(names, row, strict=True))) for row in rows]

    @classmethod
    def _of_values(cls, values: dict[str, Any]) -> CourseOut:
        """From the course's columns by attribute name, and `instructor_name`."""
        minutes = values["estimated_duration_minutes"] or values["lessons_duration_minutes"] or 0
        values.update(
            status=PUBLISHED if values["is_published"] else DRAFT,
            duration_hours=round(minutes / 60, 2),
            metadata=values["metadata_"],
            requirements=values["requirements"] or [],  # validation copies a list
            learning_objectives=values["learning_objectives"] or [],
            review_count=values["total_reviews"],
            rating=values["average_rating"],
        )
        return cls.model_validate(values)
