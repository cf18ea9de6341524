"""The user as the API shows it (the reference's UserResponse), and pagination."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Generic, TypeVar

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
    total_pages: int
