"""The user as the API shows it (the reference's UserResponse), and pagination."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, Self, TypeVar

from pydantic import ConfigDict, Field

from shared.schemas.base import Schema

T = TypeVar("T")


class UserOut(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    mfa_enabled: bool
    created_at: datetime
    email_verified_at: datetime | None


class PageQuery(Schema):
    page: int = Field(default=1, ge=1)
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
