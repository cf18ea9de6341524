"""The user as the API shows it (the reference's UserResponse)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

from pydantic import ConfigDict

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
