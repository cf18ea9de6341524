"""/api/v1/instructors: registration by admins, the instructor's profile and verification."""

from __future__ import annotations

import azure.functions as func

from shared.config import get_settings
from shared.http import ADMIN_SETUP_COMPLETE, INSTRUCTOR, Request, route
from shared.schemas.instructors import (
    ApproveQuery,
    InstructorDecision,
    InstructorOnboardingStatus,
    InstructorProfileResult,
    InstructorProfileUpdate,
    InstructorRegister,
    InstructorRegistered,
    PendingInstructorOut,
    RejectQuery,
    VerificationRequest,
)
from shared.schemas.pages import Page, PageQuery
from shared.services.identity import instructors

bp = func.Blueprint()


@route(
    bp,
    "POST",
    "api/v1/instructors/register",
    name="instructors_register",
    access=ADMIN_SETUP_COMPLETE,
    body=InstructorRegister,
    response=InstructorRegistered,
    status=201,
)
def instructors_register(request: Request, body: InstructorRegister) -> InstructorRegistered:
    """Create an instructor account with an unverified profile."""
    return instructors.register(get_settings(), body)


@route(
    bp,
    "GET",
    "api/v1/instructors/pending",
    name="instructors_pending",
    access=ADMIN_SETUP_COMPLETE,
    query=PageQuery,
    response=Page[PendingInstructorOut],
)
def instructors_pending(request: Request, query: PageQuery) -> Page[PendingInstructorOut]:
    """Instructors whose verification waits for review, oldest first."""
    return instructors.list_pending(query)


@route(
    bp,
    "GET",
    "api/v1/instructors/onboarding-status",
    name="instructors_onboarding_status",
    access=INSTRUCTOR,
    response=InstructorOnboardingStatus,
)
def instructors_onboarding_status(request: Request) -> InstructorOnboardingStatus:
    """Which onboarding steps the calling instructor has done."""
    return instructors.onboarding_status(request.actor)


@route(
    bp,
    "PUT",
    "api/v1/instructors/profile",
    name="instructors_update_profile",
    access=INSTRUCTOR,
    body=InstructorProfileUpdate,
    response=InstructorProfileResult,
)
def instructors_update_profile(
    request: Request, body: InstructorProfileUpdate
) -> InstructorProfileResult:
    """Change the calling instructor's profile (never the verification outcome)."""
    return instructors.update_profile(request.actor, body)


@route(
    bp,
    "POST",
    "api/v1/instructors/verify",
    name="instructors_submit_verification",
    access=INSTRUCTOR,
    body=VerificationRequest,
    response=InstructorProfileResult,
)
def instructors_submit_verification(
    request: Request, body: VerificationRequest
) -> InstructorProfileResult:
    """Submit documents for verification; an admin approves or rejects them."""
    return instructors.submit_verification(request.actor, body)


@route(
    bp,
    "POST",
    "api/v1/instructors/verify/approve/{instructor_id:guid}",
    name="instructors_approve",
    access=ADMIN_SETUP_COMPLETE,
    query=ApproveQuery,
    response=InstructorDecision,
)
def instructors_approve(
    request: Request, instructor_id: str, query: ApproveQuery
) -> InstructorDecision:
    """Verify an instructor (the id is the instructor profile's, not the user's)."""
    return instructors.approve(instructor_id, query.admin_notes)


@route(
    bp,
    "POST",
    "api/v1/instructors/verify/reject/{instructor_id:guid}",
    name="instructors_reject",
    access=ADMIN_SETUP_COMPLETE,
    query=RejectQuery,
    response=InstructorDecision,
)
def instructors_reject(
    request: Request, instructor_id: str, query: RejectQuery
) -> InstructorDecision:
    """Reject an instructor's verification, with the reason they will read."""
    return instructors.reject(instructor_id, query.rejection_reason)
