"""/api/v1/admin: admin accounts, their security profile and onboarding (the reference's
AdminSetupRequest, AdminResponse and onboarding status)."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field

from shared.schemas.accounts import AdminPassword, EmailAddress, FullName
from shared.schemas.base import Schema
from shared.schemas.onboarding import OnboardingProgress
from shared.schemas.users import UserOut

SecurityLevel = Literal["standard", "enhanced", "maximum"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None


def _must_be_true(value: bool) -> bool:
    if not value:
        raise ValueError("the security policy must be accepted (send true)")
    return value


IpAddress = Annotated[str, AfterValidator(_check_ip)]
IpWhitelist = Annotated[list[IpAddress], Field(max_length=100)]
EmergencyContacts = Annotated[list[dict[str, Any]], Field(max_length=20)]
PolicyVersion = Annotated[str, Field(min_length=1, max_length=20)]


class TimeRestrictions(Schema):
    start_hour: int | None = Field(default=None, ge=0, le=23)
    end_hour: int | None = Field(default=None, ge=0, le=23)
    days: list[Weekday] = Field(default_factory=list, max_length=7)


class AdminSetupRequest(Schema):
    """POST /admin/setup and /admin/create-initial."""

    email: EmailAddress
    password: AdminPassword
    full_name: FullName
    # Accepted for the reference's clients, but only "admin": the reference let this field
    # create "admins" with another role (its defect 6.4).
    role: Literal["admin"] = "admin"
    security_level: SecurityLevel = "enhanced"
    mfa_required: bool = True
    ip_whitelist: IpWhitelist = Field(default_factory=list)
    time_restrictions: TimeRestrictions | None = None
    emergency_contacts: EmergencyContacts = Field(default_factory=list)
    security_policy_accepted: Annotated[bool, AfterValidator(_must_be_true)]
    security_policy_version: PolicyVersion = "1.0"


class AdminProfileUpdate(Schema):
    """PUT /admin/profile: the fields sent (and not null) change."""

    security_level: SecurityLevel | None = None
    mfa_required: bool | None = None
    ip_whitelist: IpWhitelist | None = None
    time_restrictions: TimeRestrictions | None = None
    emergency_contacts: EmergencyContacts | None = None
    security_policy_accepted: bool | None = None
    security_policy_version: PolicyVersion | None = None
    last_security_review: datetime | None = None
    security_health_score: int | None = Field(default=None, ge=0, le=100)


class SecurityConfigRequest(Schema):
    """POST /admin/security-config. As in the reference, only the MFA method, the IP list and
    the time restrictions are stored; the other fields count towards the health score."""

    mfa_method: Literal["totp", "sms", "email", "hardware"] = "totp"
    ip_whitelist: IpWhitelist = Field(default_factory=list)
    time_restrictions: TimeRestrictions | None = None
    require_password_change: bool = False
    password_expiry_days: int = Field(default=90, ge=30, le=365)
    session_timeout_minutes: int = Field(default=30, ge=5, le=120)
    geo_restrictions: Annotated[list[str], Field(max_length=250)] = Field(default_factory=list)
    anomaly_detection_enabled: bool = True


class AdminOut(Schema):
    """The reference's AdminResponse."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    security_level: str
    mfa_required: bool
    ip_whitelist: list[str]
    time_restrictions: dict[str, Any]
    emergency_contacts: list[dict[str, Any]]
    is_setup_complete: bool
    setup_completed_at: datetime | None
    security_policy_accepted: bool
    security_policy_version: str
    last_security_review: datetime | None
    security_health_score: int
    created_at: datetime
    updated_at: datetime


class AdminOnboardingStatus(OnboardingProgress):
    needs_security_config: bool
    security_policy_accepted: bool
    mfa_configured: bool
    emergency_contacts_configured: bool


class AdminAccountCreated(Schema):
    message: str
    user: UserOut
    admin: AdminOut
    onboarding_status: AdminOnboardingStatus
    setup_expires_at: datetime  # informational, as in the reference: nothing enforces it


class AdminProfileResult(Schema):
    message: str
    admin: AdminOut
    onboarding_status: AdminOnboardingStatus
