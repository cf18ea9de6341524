"""/api/v1/instructors: instructor accounts, profiles and their verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from shared.schemas.accounts import EmailAddress, FullName, Password
from shared.schemas.base import Schema
from shared.schemas.fields import web_url
from shared.schemas.onboarding import OnboardingProgress
from shared.schemas.users import UserOut

DOCUMENT_URL_MAX_LENGTH = 1000  # the column's String(1000)


def _consent_given(value: bool) -> bool:
    if not value:
        raise ValueError("consent_to_verify must be true to submit documents for verification")
    return value


Bio = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Expertise = Annotated[list[Topic], Field(min_length=1, max_length=10)]
ExperienceYears = Annotated[int, Field(ge=0, le=50)]
EducationLevel = Annotated[str, Field(max_length=100)]
Institution = Annotated[str, Field(max_length=255)]
Notes = Annotated[str, Field(max_length=2000)]
# Admins open this link; only web addresses (never javascript: or data:) are stored.
DocumentUrl = Annotated[str, web_url(max_length=DOCUMENT_URL_MAX_LENGTH)]


class InstructorRegister(Schema):
    """POST /instructors/register (ADM+)."""

    email: EmailAddress
    password: Password
    full_name: FullName
    role: Literal["instructor"] = "instructor"
    bio: Bio
    expertise: Expertise
    teaching_experience_years: ExperienceYears = 0
    education_level: EducationLevel | None = None
    institution: Institution | None = None
    # Accepted and discarded, as in the reference: there is nowhere to store them.
    phone: str | None = Field(default=None, max_length=20)
    website: str | None = Field(default=None, max_length=255)
    social_media: dict[str, Any] | None = None


class InstructorProfileUpdate(Schema):
    """PUT /instructors/profile: the fields sent (and not null) change.

    The reference let instructors set their own verification status (its defect 6.6); here
    only the verification flow changes it, and a body that tries is refused.
    """

    bio: Bio | None = None
    expertise: Expertise | None = None
    teaching_experience_years: ExperienceYears | None = None
    education_level: EducationLevel | None = None
    institution: Institution | None = None
    verification_notes: Notes | None = None
    verification_document_url: DocumentUrl | None = None
    verification_expires_at: datetime | None = None
    verification_status: Any = Field(default=None, exclude=True)
    is_verified: Any = Field(default=None, exclude=True)

    @field_validator("verification_status", "is_verified")
    @classmethod
    def _set_by_verification_only(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError(
                "set by verification only: submit documents with POST "
                "/api/v1/instructors/verify and an admin approves or rejects them"
            )
        return value


class VerificationRequest(Schema):
    """POST /instructors/verify. `document_type` is accepted and discarded, as in the reference."""

    document_type: str = Field(min_length=1, max_length=50)
    document_url: DocumentUrl
    verification_notes: Notes | None = None
    consent_to_verify: Annotated[bool, AfterValidator(_consent_given)]


class ApproveQuery(Schema):
    admin_notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class RejectQuery(Schema):
    rejection_reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ]


class InstructorOut(Schema):
    """The reference's InstructorResponse."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    bio: str
    expertise: list[str]
    teaching_experience_years: int | None
    education_level: str | None
    institution: str | None
    is_verified: bool
    verification_status: str
    verification_notes: str | None
    verification_document_url: str | None
    verification_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PendingInstructorOut(InstructorOut):
    """An instructor waiting for review, with who they are."""

    email: str
    full_name: str


class InstructorOnboardingStatus(OnboardingProgress):
    needs_verification: bool
    verification_required: bool
    verification_submitted: bool
    verification_approved: bool


class InstructorRegistered(Schema):
    message: str
    user: UserOut
    instructor: InstructorOut
    onboarding_status: InstructorOnboardingStatus
    verification_required: bool
    verification_expires_at: datetime | None


class InstructorProfileResult(Schema):
    message: str
    instructor: InstructorOut
    onboarding_status: InstructorOnboardingStatus


class InstructorDecision(Schema):
    message: str
    instructor: InstructorOut
