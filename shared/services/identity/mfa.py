"""E-mailed one-time codes: the second step of signing in, and turning MFA on and off.

A code is MFA_CODE_LENGTH random digits (`secrets`), e-mailed, and stored only as an HMAC
keyed with SECRET_KEY and the code's id. It is spent when used, when a newer code for the same
purpose is issued, and after MFA_MAX_CODE_ATTEMPTS wrong tries; a login code also expires with
its challenge (MFA_CHALLENGE_TOKEN_EXPIRE_MINUTES). Codes are compared in constant time.

Wrong login codes count as failed sign-ins (lockout): otherwise someone holding the password
could start challenge after challenge and guess on. While the address is locked, codes are
refused before they are compared. The reference had no limit at all (§6.7).

Who gets a code at sign-in: users who turned MFA on, and admins whose profile has
`mfa_required` (the default for admins; the reference stored it and never asked).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.domain.admins import AdminProfile
from shared.domain.errors import AuthenticationRequiredError
from shared.domain.mfa import LOGIN, SETUP, MfaCode
from shared.domain.users import Role, User
from shared.observability import metrics
from shared.schemas.auth import AuthOut, MessageOut, MfaChallengeOut
from shared.security import lockout
from shared.security.tokens import MFA_CHALLENGE, decode_token, issue_token
from shared.services.identity import account_emails, sessions
from shared.services.identity.credentials import confirm_password
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

CODE_SENT = "A verification code has been sent to your email"
ENABLED = "MFA has been enabled successfully"
DISABLED = "MFA has been disabled successfully"
INVALID_CODE = "Invalid MFA code"
CHALLENGE_EXPIRED = "MFA challenge expired or invalid"
CHALLENGE_INVALID = "MFA challenge is invalid"


def needs_second_factor(session: Session, user: User) -> bool:
    """MFA the user turned on, or MFA their admin profile requires (`mfa_required`, on by
    default: the reference stored it and never asked for a code). Codes go by e-mail, so an
    admin needs nothing set up first."""
    if user.mfa_enabled:
        return True
    if user.role != Role.ADMIN.value:
        return False
    required = select(AdminProfile.mfa_required).where(AdminProfile.user_id == user.id)
    return bool(session.scalar(required))


def start_login_challenge(uow: UnitOfWork, settings: Settings, user: User) -> MfaChallengeOut:
    """E-mail a login code and return the challenge that must come back with it."""
    now = uow.clock()
    lifetime = timedelta(minutes=settings.MFA_CHALLENGE_TOKEN_EXPIRE_MINUTES)
    challenge = issue_token(settings, MFA_CHALLENGE, user.id, lifetime, now)
    code = _issue_code(uow.session, settings, user, LOGIN, challenge.jti, now + lifetime, now)
    account_emails.send_mfa_login_code(uow, user, code, settings.MFA_CHALLENGE_TOKEN_EXPIRE_MINUTES)
    return MfaChallengeOut(
        challenge_token=challenge.token, expires_in_seconds=int(lifetime.total_seconds())
    )


def complete_login(
    deps: Dependencies, *, challenge_token: str, code: str, client_ip: str | None
) -> AuthOut:
    """Exchange a challenge and its e-mailed code for tokens."""
    settings, now = deps.settings, deps.clock()
    try:
        claims = decode_token(settings, challenge_token, MFA_CHALLENGE)
    except AuthenticationRequiredError:
        raise AuthenticationRequiredError(CHALLENGE_EXPIRED) from None
    with deps.uow() as uow:
        user = uow.session.get(User, claims.subject, with_for_update=True)
        if user is None:
            raise AuthenticationRequiredError(CHALLENGE_INVALID)
        lockout.ensure_not_locked(uow.session, email=user.email, now=now)
        pending = _locked_code(uow.session, MfaCode.id == claims.jti)
        if pending is None or pending.user_id != user.id or pending.purpose != LOGIN:
            raise AuthenticationRequiredError(CHALLENGE_INVALID)
        if pending.used_at is not None or pending.expires_at <= now:
            raise AuthenticationRequiredError(CHALLENGE_EXPIRED)
        if not user.is_active:
            raise AuthenticationRequiredError("User is inactive")
        if not needs_second_factor(uow.session, user):
            raise AuthenticationRequiredError("MFA is not enabled for this account")
        if not _accept(settings, pending, code, now):
            policy = lockout.LockoutPolicy.from_settings(settings)
            lockout.record_failure(
                uow.session, policy, email=user.email, client_ip=client_ip, now=now
            )
            uow.commit()  # the wrong try and the failure count stand
            metrics.increment("auth_mfa_failures_total")
            raise AuthenticationRequiredError(INVALID_CODE)
        lockout.clear(uow.session, email=user.email)
        user.last_login_at = now
        tokens = sessions.start_session(uow.session, settings, user, now)
        uow.commit()
        metrics.increment("auth_successful_logins_total")
        return sessions.signed_in(user, tokens)


def request_enable(
    deps: Dependencies, *, user_id: uuid.UUID, password: str, client_ip: str | None
) -> MessageOut:
    """After the password, e-mail a code that turns MFA on; nothing is sent if it already is."""
    confirm_password(deps, user_id=user_id, password=password, client_ip=client_ip)
    settings, now = deps.settings, deps.clock()
    with deps.uow() as uow:
        user = _locked_user(uow.session, user_id)
        if not user.mfa_enabled:
            minutes = settings.MFA_CHALLENGE_TOKEN_EXPIRE_MINUTES
            expires_at = now + timedelta(minutes=minutes)
            code = _issue_code(uow.session, settings, user, SETUP, uuid.uuid4(), expires_at, now)
            account_emails.send_mfa_setup_code(uow, user, code, minutes)
            uow.commit()
    return MessageOut(message=CODE_SENT)


def confirm_enable(deps: Dependencies, *, user_id: uuid.UUID, code: str) -> MessageOut:
    """Turn MFA on with the code `request_enable` sent."""
    now = deps.clock()
    with deps.uow() as uow:
        user = _locked_user(uow.session, user_id)
        pending = _locked_code(
            uow.session,
            MfaCode.user_id == user.id,
            MfaCode.purpose == SETUP,
            MfaCode.used_at.is_(None),
            MfaCode.expires_at > now,
        )
        if pending is None:
            metrics.increment("auth_mfa_failures_total")
            raise AuthenticationRequiredError(INVALID_CODE)
        if not _accept(deps.settings, pending, code, now):
            uow.commit()
            metrics.increment("auth_mfa_failures_total")
            raise AuthenticationRequiredError(INVALID_CODE)
        user.mfa_enabled = True
        user.updated_at = now
        uow.commit()
    return MessageOut(message=ENABLED)


def disable(
    deps: Dependencies, *, user_id: uuid.UUID, password: str, client_ip: str | None
) -> MessageOut:
    """Turn MFA off after the password (the reference's rule: no code needed)."""
    confirm_password(deps, user_id=user_id, password=password, client_ip=client_ip)
    now = deps.clock()
    with deps.uow() as uow:
        user = _locked_user(uow.session, user_id)
        user.mfa_enabled = False
        user.updated_at = now
        _spend_pending(uow.session, user.id, (LOGIN, SETUP), now)
        uow.commit()
    return MessageOut(message=DISABLED)


def code_digest(settings: Settings, code_id: uuid.UUID, code: str) -> str:
    message = f"{code_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _issue_code(
    session: Session,
    settings: Settings,
    user: User,
    purpose: str,
    code_id: uuid.UUID,
    expires_at: datetime,
    now: datetime,
) -> str:
    _spend_pending(session, user.id, (purpose,), now)
    code = "".join(secrets.choice("0123456789") for _ in range(settings.MFA_CODE_LENGTH))
    session.add(
        MfaCode(
            id=code_id,
            user_id=user.id,
            purpose=purpose,
            code_hash=code_digest(settings, code_id, code),
            failed_attempts=0,
            expires_at=expires_at,
            used_at=None,
        )
    )
    return code


def _accept(settings: Settings, pending: MfaCode, code: str, now: datetime) -> bool:
    """Spend the code if it matches; otherwise count the try, spending it after the last."""
    expected = pending.code_hash
    if hmac.compare_digest(expected, code_digest(settings, pending.id, code.strip())):
        pending.used_at = now
        return True
    pending.failed_attempts += 1
    if pending.failed_attempts >= settings.MFA_MAX_CODE_ATTEMPTS:
        pending.used_at = now
    return False


def _locked_code(session: Session, *conditions: ColumnElement[bool]) -> MfaCode | None:
    statement = (
        select(MfaCode)
        .where(*conditions)
        .order_by(MfaCode.expires_at.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalar(statement)


def _locked_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise AuthenticationRequiredError("Could not validate credentials")
    return user


def _spend_pending(
    session: Session, user_id: uuid.UUID, purposes: tuple[str, ...], now: datetime
) -> None:
    session.execute(
        update(MfaCode)
        .where(
            MfaCode.user_id == user_id,
            MfaCode.purpose.in_(purposes),
            MfaCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
