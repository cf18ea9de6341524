"""/api/v1/admin: the first admin, admins added by admins, and each admin's onboarding."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import ADMIN, ADMIN_SETUP_COMPLETE, PUBLIC, Actor, Request, Router
from shared.schemas.admins import (
    AdminAccountCreated,
    AdminOnboardingStatus,
    AdminProfileResult,
    AdminProfileUpdate,
    AdminSetupRequest,
    SecurityConfigRequest,
)
from shared.services.identity import admins
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/admin", access=ADMIN)


@api.post("create-initial", access=PUBLIC, status=201)
def admin_create_initial(body: AdminSetupRequest, deps: Dependencies) -> AdminAccountCreated:
    """Create the first admin; only with ALLOW_INITIAL_ADMIN_CREATION and while none exists."""
    return admins.create_initial_admin(deps, body)


@api.post("setup", access=ADMIN_SETUP_COMPLETE, status=201)
def admin_setup(body: AdminSetupRequest, deps: Dependencies) -> AdminAccountCreated:
    """Create another admin, who then completes their own onboarding."""
    return admins.setup_admin(deps, body)


@api.get("onboarding-status")
def admin_onboarding_status(actor: Actor, uow: UnitOfWork) -> AdminOnboardingStatus:
    """Which onboarding steps the calling admin has done."""
    return admins.onboarding_status(uow, actor)


@api.put("profile")
def admin_update_profile(
    request: Request, body: AdminProfileUpdate, actor: Actor, uow: UnitOfWork
) -> AdminProfileResult:
    """Change the calling admin's security profile (an IP allowlist must include the
    caller's address)."""
    return admins.update_profile(uow, actor, body, request.client_ip)


@api.post("security-config")
def admin_security_config(
    request: Request, body: SecurityConfigRequest, actor: Actor, uow: UnitOfWork
) -> AdminProfileResult:
    """Store the calling admin's MFA, IP and time settings and score them (an IP allowlist
    must include the caller's address)."""
    return admins.configure_security(uow, actor, body, request.client_ip)


@api.post("complete-setup")
def admin_complete_setup(actor: Actor, uow: UnitOfWork) -> AdminProfileResult:
    """Finish the calling admin's onboarding, which opens the ADM+ routes to them."""
    return admins.complete_setup(uow, actor)
