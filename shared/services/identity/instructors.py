"""Instructor accounts and verification: an admin registers an instructor, the instructor
completes the profile and submits documents, an admin approves or rejects.

Only this flow changes `verification_status` and `is_verified`: submitting sets "submitted",
approving sets verified (and is_verified), rejecting sets rejected and clears is_verified
(the reference left it set, its defect 6.16).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from shared.domain.errors import ResourceConflictError, ResourceNotFoundError, RuleViolationError
from shared.domain.instructors import InstructorProfile, VerificationStatus
from shared.domain.users import Role, User
from shared.observability import metrics
from shared.schemas.instructors import (
    InstructorDecision,
    InstructorOnboardingStatus,
    InstructorOut,
    InstructorProfileResult,
    InstructorProfileUpdate,
    InstructorRegister,
    InstructorRegistered,
    PendingInstructorOut,
    VerificationRequest,
)
from shared.schemas.pages import Page, PageQuery
from shared.schemas.users import UserOut
from shared.security.permissions import Actor
from shared.services.identity import email_verification
from shared.services.identity.accounts import commit_account, create_account, flush_account
from shared.services.ids import parse_id
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

INSTRUCTOR_STEPS = ("account_setup", "profile", "verification", "complete")
VERIFICATION_WINDOW = timedelta(days=7)
INSTRUCTOR_NOT_FOUND = "Instructor not found"
# The reference's words, which its clients show as they are: a caller without an instructor
# profile gets them with a 400 (an admin creates instructors with /instructors/register).
REGISTER_FAILED = "Failed to create instructor account: {reason}"
PROFILE_UPDATE_FAILED = "Failed to update instructor profile: Instructor not found"
VERIFICATION_FAILED = "Failed to submit verification: Instructor not found"
_SUBMITTED_OR_VERIFIED = {VerificationStatus.SUBMITTED.value, VerificationStatus.VERIFIED.value}


def onboarding_of(profile: InstructorProfile) -> InstructorOnboardingStatus:
    # An approved instructor has also been through verification, so the step stays done
    # (the reference dropped it on approval and reported 75% for a finished onboarding).
    submitted = profile.verification_status in _SUBMITTED_OR_VERIFIED or profile.is_verified
    done = {"account_setup"}
    if profile.bio and profile.expertise:
        done.add("profile")
    if submitted:
        done.add("verification")
    if profile.is_verified:
        done.add("complete")
    completed = [step for step in INSTRUCTOR_STEPS if step in done]
    return InstructorOnboardingStatus(
        step=completed[-1],
        completed_steps=completed,
        current_step=completed[-1],
        total_steps=len(INSTRUCTOR_STEPS),
        progress_percentage=100 * len(completed) // len(INSTRUCTOR_STEPS),
        is_complete=profile.is_verified,
        needs_verification=not profile.is_verified,
        verification_required=not profile.is_verified,
        verification_submitted=submitted,
        verification_approved=profile.is_verified,
        last_updated=profile.updated_at,
    )


def no_profile_onboarding(now: datetime) -> InstructorOnboardingStatus:
    """The reference's answer for a caller with no instructor profile: the first step, to do."""
    return InstructorOnboardingStatus(
        step="account_setup",
        completed_steps=[],
        current_step="account_setup",
        total_steps=len(INSTRUCTOR_STEPS),
        progress_percentage=100 // len(INSTRUCTOR_STEPS),
        is_complete=False,
        needs_verification=True,
        verification_required=True,
        verification_submitted=False,
        verification_approved=False,
        last_updated=now,
    )


def register(deps: Dependencies, data: InstructorRegister) -> InstructorRegistered:
    """A new instructor account with an unverified profile and a 7-day verification deadline
    (informational, as in the reference)."""
    now = deps.clock()
    try:
        with deps.uow() as uow:
            user = create_account(
                uow,
                deps.passwords,
                email=data.email,
                password=data.password,
                full_name=data.full_name,
                role=Role.INSTRUCTOR,
                email_verified=not deps.settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN,
            )
            flush_account(uow)
            email_verification.send_link_if_unverified(uow, deps.settings, user)
            profile = InstructorProfile(
                user_id=user.id,
                bio=data.bio,
                expertise=list(data.expertise),
                teaching_experience_years=data.teaching_experience_years,
                education_level=data.education_level,
                institution=data.institution,
                is_verified=False,
                verification_status=VerificationStatus.PENDING.value,
                verification_expires_at=now + VERIFICATION_WINDOW,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(profile)
            commit_account(uow)
            metrics.increment("lms_user_registrations_total", role="instructor")
            return InstructorRegistered(
                message="Instructor account created successfully",
                user=UserOut.model_validate(user),
                instructor=InstructorOut.model_validate(profile),
                onboarding_status=onboarding_of(profile),
                verification_required=True,
                verification_expires_at=profile.verification_expires_at,
            )
    except ResourceConflictError as taken:
        raise RuleViolationError(REGISTER_FAILED.format(reason=taken.detail)) from None


def _own_profile(uow: UnitOfWork, actor: Actor) -> InstructorProfile | None:
    """The caller's instructor profile, while they are an instructor: a demoted instructor's
    profile stays in the database but is not theirs to use (the role is read each request)."""
    if actor.role is not Role.INSTRUCTOR:
        return None
    return uow.session.scalar(
        select(InstructorProfile).where(InstructorProfile.user_id == actor.id)
    )


def _result(message: str, profile: InstructorProfile) -> InstructorProfileResult:
    return InstructorProfileResult(
        message=message,
        instructor=InstructorOut.model_validate(profile),
        onboarding_status=onboarding_of(profile),
    )


def onboarding_status(uow: UnitOfWork, actor: Actor) -> InstructorOnboardingStatus:
    profile = _own_profile(uow, actor)
    return no_profile_onboarding(uow.clock()) if profile is None else onboarding_of(profile)


def update_profile(
    uow: UnitOfWork, actor: Actor, data: InstructorProfileUpdate
) -> InstructorProfileResult:
    profile = _own_profile(uow, actor)
    if profile is None:
        raise RuleViolationError(PROFILE_UPDATE_FAILED)
    for field, value in data.model_dump(exclude_none=True).items():
        setattr(profile, field, value)
    profile.updated_at = uow.clock()
    uow.commit()
    return _result("Instructor profile updated successfully", profile)


def submit_verification(
    uow: UnitOfWork, actor: Actor, data: VerificationRequest
) -> InstructorProfileResult:
    profile = _own_profile(uow, actor)
    if profile is None:
        raise RuleViolationError(VERIFICATION_FAILED)
    if profile.is_verified:
        raise ResourceConflictError("Your instructor account is already verified")
    profile.verification_status = VerificationStatus.SUBMITTED.value
    profile.verification_document_url = data.document_url
    if data.verification_notes is not None:
        profile.verification_notes = data.verification_notes
    profile.updated_at = uow.clock()
    uow.commit()
    return _result("Verification submitted successfully", profile)


def _decide(
    uow: UnitOfWork, instructor_id: str | uuid.UUID, status: VerificationStatus, notes: str
) -> InstructorOut:
    profile = uow.session.get(InstructorProfile, parse_id(instructor_id, INSTRUCTOR_NOT_FOUND))
    if profile is None:
        raise ResourceNotFoundError(INSTRUCTOR_NOT_FOUND)
    profile.verification_status = status.value
    profile.is_verified = status is VerificationStatus.VERIFIED
    profile.verification_notes = notes
    if profile.is_verified:
        profile.verification_expires_at = None
    profile.updated_at = uow.clock()
    uow.commit()
    return InstructorOut.model_validate(profile)


def approve(
    uow: UnitOfWork, instructor_id: str | uuid.UUID, admin_notes: str
) -> InstructorDecision:
    """`instructor_id` is the profile's id (instructors.id), as in the reference."""
    notes = f"Approved by admin. {admin_notes}".strip()
    instructor = _decide(uow, instructor_id, VerificationStatus.VERIFIED, notes)
    return InstructorDecision(message="Instructor verification approved", instructor=instructor)


def reject(
    uow: UnitOfWork, instructor_id: str | uuid.UUID, rejection_reason: str
) -> InstructorDecision:
    instructor = _decide(uow, instructor_id, VerificationStatus.REJECTED, rejection_reason)
    return InstructorDecision(message="Instructor verification rejected", instructor=instructor)


def list_pending(uow: UnitOfWork, query: PageQuery) -> Page[PendingInstructorOut]:
    """Submitted verifications, oldest first: one COUNT and one page query joined to users.

    "Oldest" is the profile's last change, which is the submission unless the instructor
    edited the profile after submitting.
    """
    submitted = InstructorProfile.verification_status == VerificationStatus.SUBMITTED.value
    total = (
        uow.session.scalar(select(func.count()).select_from(InstructorProfile).where(submitted))
        or 0
    )
    rows = uow.session.execute(
        select(InstructorProfile, User.email, User.full_name)
        .join(User, User.id == InstructorProfile.user_id)
        .where(submitted)
        .order_by(InstructorProfile.updated_at.asc(), InstructorProfile.id.asc())
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).all()
    items = [
        PendingInstructorOut(
            **InstructorOut.model_validate(profile).model_dump(),
            email=email,
            full_name=full_name,
        )
        for profile, email, full_name in rows
    ]
    return Page[PendingInstructorOut].of(items, total, query)
