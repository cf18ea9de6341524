"""/api/v1/instructors: registration by admins, the instructor's profile and verification."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import ADMIN_SETUP_COMPLETE, AUTHENTICATED, Actor, Router
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
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/instructors", access=ADMIN_SETUP_COMPLETE)


@api.post("register", status=201)
def instructors_register(body: InstructorRegister, deps: Dependencies) -> InstructorRegistered:
    """Create an instructor account with an unverified profile."""
    return instructors.register(deps, body)


@api.get("pending")
def instructors_pending(query: PageQuery, uow: UnitOfWork) -> Page[PendingInstructorOut]:
    """Instructors whose verification waits for review, oldest first."""
    return instructors.list_pending(uow, query)


@api.get("onboarding-status", access=AUTHENTICATED)
def instructors_onboarding_status(actor: Actor, uow: UnitOfWork) -> InstructorOnboardingStatus:
    """Which onboarding steps the calling instructor has done (the first step, to do, for a
    caller without an instructor profile)."""
    return instructors.onboarding_status(uow, actor)


@api.put("profile", access=AUTHENTICATED)
def instructors_update_profile(
    body: InstructorProfileUpdate, actor: Actor, uow: UnitOfWork
) -> InstructorProfileResult:
    """Change the calling instructor's profile (never the verification outcome)."""
    return instructors.update_profile(uow, actor, body)


@api.post("verify", access=AUTHENTICATED)
def instructors_submit_verification(
    body: VerificationRequest, actor: Actor, uow: UnitOfWork
) -> InstructorProfileResult:
    """Submit documents for verification; an admin approves or rejects them."""
    return instructors.submit_verification(uow, actor, body)


@api.post("verify/approve/{instructor_id:guid}")
def instructors_approve(
    instructor_id: str, query: ApproveQuery, uow: UnitOfWork
) -> InstructorDecision:
    """Verify an instructor (the id is the instructor profile's, not the user's)."""
    return instructors.approve(uow, instructor_id, query.admin_notes)


@api.post("verify/reject/{instructor_id:guid}")
def instructors_reject(
    instructor_id: str, query: RejectQuery, uow: UnitOfWork
) -> InstructorDecision:
    """Reject an instructor's verification, with the reason they will read."""
    return instructors.reject(uow, instructor_id, query.rejection_reason)
