"""Signing in: password login (JSON and OAuth2 form), and changing one's password.

The rest of identity lives beside this module: `registration` (signing up), `sessions`
(tokens, refresh, logout), `mfa` (codes), `password_reset`, `email_verification`,
`credentials` (password checks under the lockout rules), `account_emails` (the messages
sent) and `accounts` (creating accounts).

Lockout counters are cleared only when tokens are issued. For an account with MFA that is
after the code, not after the password (the reference cleared them at the password): clearing
earlier would let someone who knows the password restart the count with every challenge.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from shared.config import Settings
from shared.domain.errors import AuthenticationRequiredError, RuleViolationError
from shared.domain.users import User
from shared.observability import metrics
from shared.schemas.auth import AuthOut, MfaChallengeOut, PasswordChange, TokenOut
from shared.security import lockout
from shared.services.identity import mfa, sessions
from shared.services.identity.credentials import (
    check_sign_in_password,
    confirm_password,
    ensure_can_sign_in,
)
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

MFA_NEEDS_LOGIN = (
    "MFA is enabled for this account. Use /api/v1/auth/login then /api/v1/auth/login/mfa."
)


def login(
    deps: Dependencies, *, email: str, password: str, client_ip: str | None
) -> AuthOut | MfaChallengeOut:
    """Tokens for a correct password, or an MFA challenge (and an e-mailed code)."""
    user_id = check_sign_in_password(deps, email=email, password=password, client_ip=client_ip)
    settings = deps.settings
    with deps.uow() as uow:
        user = ensure_can_sign_in(settings, uow.session.get(User, user_id, with_for_update=True))
        if mfa.needs_second_factor(uow.session, user):
            challenge = mfa.start_login_challenge(uow, settings, user)
            uow.commit()
            return challenge
        tokens = _sign_in(uow, settings, user)
        uow.commit()
        metrics.increment("auth_successful_logins_total")
        return sessions.signed_in(user, tokens)


def login_for_token(
    deps: Dependencies, *, email: str, password: str, client_ip: str | None
) -> TokenOut:
    """The OAuth2 password grant: tokens only; an MFA account must use /login instead."""
    user_id = check_sign_in_password(deps, email=email, password=password, client_ip=client_ip)
    settings = deps.settings
    with deps.uow() as uow:
        user = ensure_can_sign_in(settings, uow.session.get(User, user_id, with_for_update=True))
        if mfa.needs_second_factor(uow.session, user):
            raise RuleViolationError(MFA_NEEDS_LOGIN)
        tokens = _sign_in(uow, settings, user)
        uow.commit()
        metrics.increment("auth_successful_logins_total")
        return tokens


def change_password(
    deps: Dependencies, *, user_id: uuid.UUID, data: PasswordChange, client_ip: str | None
) -> AuthOut:
    """Replace the password and end every session, then start a new one for this client.

    Every access token (token_version + 1) and every refresh-token family is revoked, so a
    thief holding any of them is out; the caller gets fresh tokens and stays signed in.
    """
    confirm_password(deps, user_id=user_id, password=data.current_password, client_ip=client_ip)
    new_hash = deps.passwords.hash(data.new_password)  # outside the transaction: argon2 is slow
    settings, now = deps.settings, deps.clock()
    with deps.uow() as uow:
        user = uow.session.get(User, user_id, with_for_update=True)
        if user is None:
            raise AuthenticationRequiredError("Could not validate credentials")
        user.password_hash = new_hash
        sessions.revoke_all_sessions(uow.session, user, now, sessions.PASSWORD_CHANGED)
        tokens = sessions.start_session(uow.session, settings, user, now)
        uow.commit()
        return sessions.signed_in(user, tokens)


def _sign_in(uow: UnitOfWork, settings: Settings, user: User) -> TokenOut:
    now = uow.clock()
    lockout.clear(uow.session, email=user.email)
    user.last_login_at = now
    return sessions.start_session(uow.session, settings, user, now)
