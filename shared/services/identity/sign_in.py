"""Signing up and signing in: registration, password login (JSON and OAuth2 form), the
current user, and changing one's password.

The rest of identity lives beside this module: `sessions` (tokens, refresh, logout), `mfa`
(codes), `password_reset`, `email_verification`, `credentials` (password checks under the
lockout rules) and `account_emails` (the messages sent, and their payload contract).

Lockout counters are cleared only when tokens are issued. For an account with MFA that is
after the code, not after the password (the reference cleared them at the password): clearing
earlier would let someone who knows the password restart the count with every challenge.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from shared.config import Settings
from shared.domain.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    ResourceConflictError,
    RuleViolationError,
)
from shared.domain.users import Role, User
from shared.schemas.auth import AuthOut, MfaChallengeOut, PasswordChange, Registration, TokenOut
from shared.security import lockout
from shared.security.passwords import hash_password
from shared.services.identity import account_emails, email_verification, mfa, sessions
from shared.services.identity.accounts import commit_account, create_account
from shared.services.identity.credentials import (
    check_sign_in_password,
    confirm_password,
    ensure_can_sign_in,
)
from shared.uow import UnitOfWork

MFA_NEEDS_LOGIN = (
    "MFA is enabled for this account. Use /api/v1/auth/login then /api/v1/auth/login/mfa."
)


def register(settings: Settings, data: Registration, now: datetime) -> AuthOut:
    """Create a student account, sign it in, and send the welcome (and verification) e-mail.

    The verification e-mail goes only to an account that still needs it: with
    REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN off the address counts as verified at creation.
    """
    if data.role is not Role.STUDENT:
        raise AccessDeniedError("Public registration is limited to student accounts")
    with UnitOfWork() as uow:
        user = create_account(
            uow,
            email=data.email,
            password=data.password,
            full_name=data.full_name,
            role=Role.STUDENT,
            now=now,
            email_verified=not settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN,
        )
        try:
            uow.session.flush()  # assigns the id the tokens name
        except IntegrityError:
            uow.rollback()
            raise ResourceConflictError("Email is already registered") from None
        tokens = sessions.start_session(uow.session, settings, user, now)
        account_emails.send_welcome(uow, user)
        if user.email_verified_at is None:
            email_verification.send_link(uow, settings, user, now)
        commit_account(uow)
        return sessions.signed_in(user, tokens)


def login(
    settings: Settings, *, email: str, password: str, client_ip: str | None, now: datetime
) -> AuthOut | MfaChallengeOut:
    """Tokens for a correct password, or an MFA challenge (and an e-mailed code)."""
    user_id = check_sign_in_password(
        settings, email=email, password=password, client_ip=client_ip, now=now
    )
    with UnitOfWork() as uow:
        user = ensure_can_sign_in(settings, uow.session.get(User, user_id, with_for_update=True))
        if user.mfa_enabled:
            challenge = mfa.start_login_challenge(uow, settings, user, now)
            uow.commit()
            return challenge
        tokens = _sign_in(uow, settings, user, now)
        uow.commit()
        return sessions.signed_in(user, tokens)


def login_for_token(
    settings: Settings, *, email: str, password: str, client_ip: str | None, now: datetime
) -> TokenOut:
    """The OAuth2 password grant: tokens only; an MFA account must use /login instead."""
    user_id = check_sign_in_password(
        settings, email=email, password=password, client_ip=client_ip, now=now
    )
    with UnitOfWork() as uow:
        user = ensure_can_sign_in(settings, uow.session.get(User, user_id, with_for_update=True))
        if user.mfa_enabled:
            raise RuleViolationError(MFA_NEEDS_LOGIN)
        tokens = _sign_in(uow, settings, user, now)
        uow.commit()
        return tokens


def change_password(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    data: PasswordChange,
    client_ip: str | None,
    now: datetime,
) -> AuthOut:
    """Replace the password and end every session, then start a new one for this client.

    Every access token (token_version + 1) and every refresh-token family is revoked, so a
    thief holding any of them is out; the caller gets fresh tokens and stays signed in.
    """
    confirm_password(
        settings, user_id=user_id, password=data.current_password, client_ip=client_ip, now=now
    )
    new_hash = hash_password(data.new_password)  # outside the transaction: argon2 is slow
    with UnitOfWork() as uow:
        user = uow.session.get(User, user_id, with_for_update=True)
        if user is None:
            raise AuthenticationRequiredError("Could not validate credentials")
        user.password_hash = new_hash
        sessions.revoke_all_sessions(uow.session, user, now, sessions.PASSWORD_CHANGED)
        tokens = sessions.start_session(uow.session, settings, user, now)
        uow.commit()
        return sessions.signed_in(user, tokens)


def _sign_in(uow: UnitOfWork, settings: Settings, user: User, now: datetime) -> TokenOut:
    lockout.clear(uow.session, email=user.email)
    user.last_login_at = now
    return sessions.start_session(uow.session, settings, user, now)
