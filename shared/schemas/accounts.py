"""Request bodies that create or change a user account, and the field rules they share.

The e-mail check is deliberately plain (one "@", a dot in the domain, no spaces, at most 255
characters, the column's size): whether the address receives mail is what verification proves.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.domain.users import Role
from shared.schemas.base import Schema

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.][^@\s]*$")


def check_email(value: str) -> str:
    value = value.strip()
    if len(value) > 255 or not _EMAIL.fullmatch(value):
        raise ValueError("value is not a valid email address")
    return value


def check_full_name(value: str) -> str:
    value = value.strip()
    if not 2 <= len(value) <= 255:
        raise ValueError("full_name must have 2 to 255 characters")
    return value


EmailAddress = Annotated[str, AfterValidator(check_email)]
FullName = Annotated[str, AfterValidator(check_full_name)]
# Passwords are never stripped: a space is a character like any other.
Password = Annotated[str, Field(min_length=8, max_length=128)]
AdminPassword = Annotated[str, Field(min_length=12, max_length=128)]


class UserCreate(Schema):
    """POST /api/v1/users (as the reference's register body)."""

    email: EmailAddress
    full_name: FullName
    role: Role = Role.STUDENT
    password: Password


class UserUpdate(Schema):
    """PATCH /api/v1/users/{id}: every field optional; null means "leave as it is"."""

    full_name: FullName | None = None
    role: Role | None = None
    password: Password | None = None
    is_active: bool | None = None
