"""Admin accounts and their onboarding: the first admin, admins added by admins or by an
operator (`lms create-admin`), the security profile and the "setup complete" gate (ADM+).

At most one initial admin, even under concurrent calls: every path that creates an admin
first takes one database-wide lock (a transaction-scoped advisory lock on PostgreSQL; on SQLite
every write transaction already begins IMMEDIATE, which serializes writers), then checks
whether an admin exists. The second caller waits for the first to commit, and then sees its
admin. PostgreSQL runs at READ COMMITTED here (the default), so the check after the lock
reads what the first caller committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select, text

from shared.domain.admins import AdminProfile
from shared.domain.errors import AccessDeniedError, ResourceConflictError, RuleViolationError
from shared.domain.users import Role, User
from shared.schemas.admins import (
    AdminAccountCreated,
    AdminOnboardingStatus,
    AdminOut,
    AdminProfileResult,
    AdminProfileUpdate,
    AdminSetupRequest,
    SecurityConfigRequest,
    TimeRestrictions,
)
from shared.schemas.users import UserOut
from shared.security.ip_allowlist import require_includes_caller
from shared.security.passwords import PasswordHasher
from shared.security.permissions import Actor
from shared.services.identity import email_verification
from shared.services.identity.accounts import commit_account, create_account, flush_account
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

ADMIN_STEPS = ("account_setup", "security_config", "permissions", "verification", "complete")
SETUP_WINDOW = timedelta(hours=24)
SETUP_FAILED = "Failed to create admin account. Please try again."
# Any fixed 64-bit number, the same in every process: "LMS_ADMN".
ADMIN_CREATION_LOCK_KEY = 0x4C4D535F41444D4E


@dataclass(frozen=True)
class OperatorAdmin:
    user: UserOut
    admin: AdminOut


def lock_admin_creation(uow: UnitOfWork) -> None:
    """Serialize every transaction that creates an admin; held until commit or rollback."""
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_CREATION_LOCK_KEY}
        )


def _restrictions(value: TimeRestrictions | None) -> dict[str, Any]:
    if value is None:
        return {}
    return {k: v for k, v in value.model_dump().items() if v not in (None, [])}


def security_health_score(
    *,
    ip_whitelist: list[str],
    time_restrictions: dict[str, Any],
    password_expiry_days: int | None = None,
    session_timeout_minutes: int | None = None,
    geo_restrictions: list[str] | None = None,
    anomaly_detection_enabled: bool = False,
) -> int:
    """The reference's score: 50, +20 for MFA (always assumed), then one bonus per setting."""
    score = 50 + 20
    score += 15 if ip_whitelist else 0
    score += 10 if time_restrictions else 0
    score += 5 if password_expiry_days is not None and password_expiry_days <= 90 else 0
    score += 5 if session_timeout_minutes is not None and session_timeout_minutes <= 60 else 0
    score += 5 if geo_restrictions else 0
    score += 10 if anomaly_detection_enabled else 0
    return min(score, 100)


def _profile_score(profile: AdminProfile) -> int:
    return security_health_score(
        ip_whitelist=profile.ip_whitelist, time_restrictions=profile.time_restrictions
    )


def onboarding_of(profile: AdminProfile) -> AdminOnboardingStatus:
    done = {"account_setup"}
    if profile.security_policy_accepted:
        done.add("security_config")
    if profile.mfa_required:
        done.add("permissions")
    if profile.emergency_contacts:
        done.add("verification")
    if profile.is_setup_complete:
        done.add("complete")
    completed = [step for step in ADMIN_STEPS if step in done]
    return AdminOnboardingStatus(
        step=completed[-1],
        completed_steps=completed,
        current_step=completed[-1],
        total_steps=len(ADMIN_STEPS),
        progress_percentage=100 * len(completed) // len(ADMIN_STEPS),
        is_complete=profile.is_setup_complete,
        needs_security_config=not profile.security_policy_accepted,
        security_policy_accepted=profile.security_policy_accepted,
        mfa_configured=profile.mfa_required,
        emergency_contacts_configured=bool(profile.emergency_contacts),
        last_updated=profile.updated_at,
    )


def _add_admin(
    uow: UnitOfWork,
    passwords: PasswordHasher,
    data: AdminSetupRequest,
    now: datetime,
    *,
    email_verified: bool,
) -> tuple[User, AdminProfile]:
    user = create_account(
        uow,
        passwords,
        email=data.email,
        password=data.password,
        full_name=data.full_name,
        role=Role.ADMIN,
        email_verified=email_verified,
    )
    flush_account(uow)
    restrictions = _restrictions(data.time_restrictions)
    profile = AdminProfile(
        user_id=user.id,
        security_level=data.security_level,
        mfa_required=data.mfa_required,
        ip_whitelist=list(data.ip_whitelist),
        time_restrictions=restrictions,
        emergency_contacts=list(data.emergency_contacts),
        is_setup_complete=False,
        security_policy_accepted=data.security_policy_accepted,
        security_policy_version=data.security_policy_version,
        security_health_score=security_health_score(
            ip_whitelist=data.ip_whitelist, time_restrictions=restrictions
        ),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(profile)
    return user, profile


def _created(message: str, user: User, profile: AdminProfile, now: datetime) -> AdminAccountCreated:
    return AdminAccountCreated(
        message=message,
        user=UserOut.model_validate(user),
        admin=AdminOut.model_validate(profile),
        onboarding_status=onboarding_of(profile),
        setup_expires_at=now + SETUP_WINDOW,
    )


def create_initial_admin(deps: Dependencies, data: AdminSetupRequest) -> AdminAccountCreated:
    """The first admin, unauthenticated: only when allowed by settings and no admin exists."""
    settings = deps.settings
    if not settings.ALLOW_INITIAL_ADMIN_CREATION:
        raise AccessDeniedError("Initial admin creation is disabled")
    now = deps.clock()
    with deps.uow() as uow:
        lock_admin_creation(uow)
        if uow.session.scalar(select(exists().where(User.role == Role.ADMIN.value))):
            raise ResourceConflictError("Initial admin already exists")
        try:
            user, profile = _add_admin(
                uow,
                deps.passwords,
                data,
                now,
                email_verified=not settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN,
            )
            email_verification.send_link_if_unverified(uow, settings, user)
            commit_account(uow)
        except ResourceConflictError as exc:
            # A registered e-mail: the reference answered its failures here with 400 so.
            raise RuleViolationError(
                f"Failed to create initial admin account: {exc.detail}"
            ) from None
        return _created("Initial admin account created successfully", user, profile, now)


def setup_admin(deps: Dependencies, data: AdminSetupRequest) -> AdminAccountCreated:
    """An admin whose setup is complete adds another admin, who starts their own onboarding.

    A registered e-mail is a 400 with the reference's words, which its clients show as they
    are (the reference answered every failure of this route so).
    """
    now = deps.clock()
    try:
        with deps.uow() as uow:
            lock_admin_creation(uow)
            user, profile = _add_admin(
                uow,
                deps.passwords,
                data,
                now,
                email_verified=not deps.settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN,
            )
            email_verification.send_link_if_unverified(uow, deps.settings, user)
            commit_account(uow)
            return _created("Admin account created successfully", user, profile, now)
    except ResourceConflictError:
        raise RuleViolationError(SETUP_FAILED) from None


def create_operator_admin(
    deps: Dependencies, *, email: str, password: str, full_name: str, mfa_required: bool = True
) -> OperatorAdmin:
    """`lms create-admin`: an admin with a completed profile, so ADM+ routes work at once.

    The operator who runs the command vouches for the address and accepts the security
    policy for the new admin. The admin signs in with an e-mailed code unless `mfa_required`
    is off (the demo's admin).
    """
    now = deps.clock()
    data = AdminSetupRequest(
        email=email,
        password=password,
        full_name=full_name,
        security_policy_accepted=True,
        mfa_required=mfa_required,
    )
    with deps.uow() as uow:
        lock_admin_creation(uow)
        user, profile = _add_admin(uow, deps.passwords, data, now, email_verified=True)
        profile.is_setup_complete = True
        profile.setup_completed_at = now
        commit_account(uow)
        return OperatorAdmin(UserOut.model_validate(user), AdminOut.model_validate(profile))


def _own_profile(uow: UnitOfWork, actor: Actor, missing: str) -> AdminProfile:
    profile = uow.session.scalar(select(AdminProfile).where(AdminProfile.user_id == actor.id))
    if profile is None:
        raise RuleViolationError(missing)
    return profile


def _result(message: str, profile: AdminProfile) -> AdminProfileResult:
    return AdminProfileResult(
        message=message,
        admin=AdminOut.model_validate(profile),
        onboarding_status=onboarding_of(profile),
    )


def onboarding_status(uow: UnitOfWork, actor: Actor) -> AdminOnboardingStatus:
    """An admin without a profile (made before profiles existed, or by a script) gets the
    first step's status, as the reference answered."""
    profile = uow.session.scalar(select(AdminProfile).where(AdminProfile.user_id == actor.id))
    if profile is None:
        return AdminOnboardingStatus(
            step=ADMIN_STEPS[0],
            completed_steps=[],
            current_step=ADMIN_STEPS[0],
            total_steps=len(ADMIN_STEPS),
            progress_percentage=100 // len(ADMIN_STEPS),
            is_complete=False,
            needs_security_config=True,
            security_policy_accepted=False,
            mfa_configured=False,
            emergency_contacts_configured=False,
            last_updated=uow.clock(),
        )
    return onboarding_of(profile)


def update_profile(
    uow: UnitOfWork, actor: Actor, data: AdminProfileUpdate, client_ip: str | None
) -> AdminProfileResult:
    profile = _own_profile(uow, actor, "Failed to update admin profile. Please try again.")
    if data.ip_whitelist is not None:
        require_includes_caller(data.ip_whitelist, client_ip)
    changes = data.model_dump(exclude_none=True)
    if data.time_restrictions is not None:
        changes["time_restrictions"] = _restrictions(data.time_restrictions)
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.updated_at = uow.clock()
    uow.commit()
    return _result("Admin profile updated successfully", profile)


def configure_security(
    uow: UnitOfWork, actor: Actor, data: SecurityConfigRequest, client_ip: str | None
) -> AdminProfileResult:
    now = uow.clock()
    profile = _own_profile(uow, actor, "Failed to configure admin security. Please try again.")
    require_includes_caller(data.ip_whitelist, client_ip)
    profile.mfa_required = True
    profile.ip_whitelist = list(data.ip_whitelist)
    profile.time_restrictions = _restrictions(data.time_restrictions)
    profile.security_level = "maximum" if data.mfa_method == "hardware" else "enhanced"
    profile.security_health_score = security_health_score(
        ip_whitelist=profile.ip_whitelist,
        time_restrictions=profile.time_restrictions,
        password_expiry_days=data.password_expiry_days,
        session_timeout_minutes=data.session_timeout_minutes,
        geo_restrictions=data.geo_restrictions,
        anomaly_detection_enabled=data.anomaly_detection_enabled,
    )
    profile.last_security_review = now
    profile.updated_at = now
    uow.commit()
    return _result("Admin security configuration updated successfully", profile)


def complete_setup(uow: UnitOfWork, actor: Actor) -> AdminProfileResult:
    now = uow.clock()
    profile = _own_profile(uow, actor, "Failed to complete admin setup: Admin not found")
    if not profile.is_setup_complete:
        profile.is_setup_complete = True
        profile.setup_completed_at = now
    # The settings security-config scored but does not store (password expiry, session
    # timeout, ...) cannot be re-read, so a recomputation never lowers that score.
    profile.security_health_score = max(profile.security_health_score, _profile_score(profile))
    profile.updated_at = now
    uow.commit()
    return _result("Admin setup completed successfully", profile)
