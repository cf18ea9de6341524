"""/api/v1/admin: the first admin, admins added by admins, and each admin's onboarding."""

from __future__ import annotations

import azure.functions as func

from shared.config import get_settings
from shared.http import ADMIN, ADMIN_SETUP_COMPLETE, PUBLIC, Request, route
from shared.schemas.admins import (
    AdminAccountCreated,
    AdminOnboardingStatus,
    AdminProfileResult,
    AdminProfileUpdate,
    AdminSetupRequest,
    SecurityConfigRequest,
)
from shared.services.identity import admins

bp = func.Blueprint()


@route(
    bp,
    "POST",
    "api/v1/admin/create-initial",
    name="admin_create_initial",
    access=PUBLIC,
    body=AdminSetupRequest,
    response=AdminAccountCreated,
    status=201,
)
def admin_create_initial(request: Request, body: AdminSetupRequest) -> AdminAccountCreated:
    """Create the first admin; only with ALLOW_INITIAL_ADMIN_CREATION and while none exists."""
    return admins.create_initial_admin(get_settings(), body)


@route(
    bp,
    "POST",
    "api/v1/admin/setup",
    name="admin_setup",
    access=ADMIN_SETUP_COMPLETE,
    body=AdminSetupRequest,
    response=AdminAccountCreated,
    status=201,
)
def admin_setup(request: Request, body: AdminSetupRequest) -> AdminAccountCreated:
    """Create another admin, who then completes their own onboarding."""
    return admins.setup_admin(get_settings(), body)


@route(
    bp,
    "GET",
    "api/v1/admin/onboarding-status",
    name="admin_onboarding_status",
    access=ADMIN,
    response=AdminOnboardingStatus,
)
def admin_onboarding_status(request: Request) -> AdminOnboardingStatus:
    """Which onboarding steps the calling admin has done."""
    return admins.onboarding_status(request.actor)


@route(
    bp,
    "PUT",
    "api/v1/admin/profile",
    name="admin_update_profile",
    access=ADMIN,
    body=AdminProfileUpdate,
    response=AdminProfileResult,
)
def admin_update_profile(request: Request, body: AdminProfileUpdate) -> AdminProfileResult:
    """Change the calling admin's security profile."""
    return admins.update_profile(request.actor, body)


@route(
    bp,
    "POST",
    "api/v1/admin/security-config",
    name="admin_security_config",
    access=ADMIN,
    body=SecurityConfigRequest,
    response=AdminProfileResult,
)
def admin_security_config(request: Request, body: SecurityConfigRequest) -> AdminProfileResult:
    """Store the calling admin's MFA, IP and time settings and score them."""
    return admins.configure_security(request.actor, body)


@route(
    bp,
    "POST",
    "api/v1/admin/complete-setup",
    name="admin_complete_setup",
    access=ADMIN,
    response=AdminProfileResult,
)
def admin_complete_setup(request: Request) -> AdminProfileResult:
    """Finish the calling admin's onboarding, which opens the ADM+ routes to them."""
    return admins.complete_setup(request.actor)
