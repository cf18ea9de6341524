"""Pagination: the query of a paged list and the page it answers.

The reference's contract gives lists four shapes, kept as they are: `Page[T]` ({items, total,
page, page_size, total_pages}) for users, courses and enrollments, `{items, total}` for lessons,
`{quizzes, total}` for quizzes, and bare arrays. New lists use `Page[T]`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Generic, Self, TypeVar

from pydantic import Field

from shared.schemas.base import Schema

T = TypeVar("T")


MAX_PAGE = 10_000_000


class PageQuery(Schema):
    # Bounded so the offset, (page - 1) * page_size, stays a small BIGINT.
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=100)


class Page(Schema, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
    total_pages: int  # ceil(total / page_size), 0 when there is nothing

    @classmethod
    def of(cls, items: Sequence[T], total: int, query: PageQuery) -> Self:
        """The page `query` asked for, holding `items` of `total` matches."""
        return cls(
            items=list(items),
            total=total,
            page=query.page,
            page_size=query.page_size,
            total_pages=math.ceil(total / query.page_size),
        )
