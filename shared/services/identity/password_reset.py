"""Forgotten passwords: an e-mailed, single-use reset link that ends every session.

The reset token (PASSWORD_RESET_TOKEN_EXPIRE_MINUTES) carries the user's token_version, so
any later password change or reset voids links sent before it, and its id is spent on use,
so a link works once (the reference's was replayable until expiry, §6.7). A reset revokes
every access token and refresh-token family, and lifts the address's lockout.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared.domain.errors import AuthenticationRequiredError
from shared.domain.users import User
from shared.schemas.auth import MessageOut
from shared.security import lockout
from shared.security.tokens import PASSWORD_RESET, decode_token, issue_token
from shared.services.identity import account_emails, sessions
from shared.services.identity.accounts import find_by_email

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

LINK_SENT = "If the email is registered, a reset link has been sent"
RESET_DONE = "Password has been reset successfully"
LINK_USED = "This password reset link has already been used; request a new one"
LINK_STALE = "This password reset link is no longer valid; request a new one"


def request_reset(deps: Dependencies, email: str) -> MessageOut:
    """E-mail a reset link to an active account; the answer never says whether one exists."""
    settings = deps.settings
    minutes = settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES
    with deps.uow() as uow:
        user = find_by_email(uow, email)
        if user is not None and user.is_active:
            token = issue_token(
                settings,
                PASSWORD_RESET,
                user.id,
                timedelta(minutes=minutes),
                uow.clock(),
                ver=user.token_version,
            )
            account_emails.send_password_reset_link(uow, settings, user, token.token, minutes)
            uow.commit()
    return MessageOut(message=LINK_SENT)


def reset_password(deps: Dependencies, token: str, new_password: str) -> MessageOut:
    now = deps.clock()
    claims = decode_token(deps.settings, token, PASSWORD_RESET, now)
    new_hash = deps.passwords.hash(new_password)  # outside the transaction: argon2 is slow
    with deps.uow() as uow:
        if not sessions.spend_token(uow.session, claims.jti, PASSWORD_RESET, claims.expires_at):
            raise AuthenticationRequiredError(LINK_USED)
        user = uow.session.get(User, claims.subject, with_for_update=True)
        if user is None or not user.is_active:
            raise AuthenticationRequiredError("Could not validate credentials")
        if claims.extra.get("ver") != user.token_version:
            raise AuthenticationRequiredError(LINK_STALE)
        user.password_hash = new_hash
        sessions.revoke_all_sessions(uow.session, user, now, sessions.PASSWORD_RESET)
        lockout.clear(uow.session, email=user.email)
        uow.commit()
    return MessageOut(message=RESET_DONE)
