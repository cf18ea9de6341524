"""Forgotten passwords: an e-mailed, single-use reset link that ends every session.

The reset token (PASSWORD_RESET_TOKEN_EXPIRE_MINUTES) carries the user's token_version, so
any later password change or reset voids links sent before it, and its id is spent on use,
so a link works once (the reference's was replayable until expiry, §6.7). A reset revokes
every access token and refresh-token family, and lifts the address's lockout.

Forgot-password only queues the request (SendPasswordResetLink on the `emails` queue), for any
address: the answer then costs the same whether an account exists or not (done inline, a
registered address took 3 times as long, which told an enumerator who is registered). The
`emails` consumer looks the account up, spends one of the address's mails for the hour
(shared/security/mail_budget.py) and publishes the e-mail.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.domain.errors import AuthenticationRequiredError
from shared.domain.users import User
from shared.messages.commands import SendPasswordResetLink
from shared.schemas.auth import MessageOut
from shared.security import lockout, mail_budget
from shared.security.tokens import PASSWORD_RESET, decode_token, issue_token
from shared.services.identity import account_emails, sessions
from shared.services.identity.accounts import find_by_email
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.identity")

LINK_SENT = "If the email is registered, a reset link has been sent"
RESET_DONE = "Password has been reset successfully"
LINK_USED = "This password reset link has already been used; request a new one"
LINK_STALE = "This password reset link is no longer valid; request a new one"


def request_reset(deps: Dependencies, email: str) -> MessageOut:
    """Queue a reset link for `email`; the same work and answer whether an account exists."""
    with deps.uow() as uow:
        uow.publish(SendPasswordResetLink(email=email))
        uow.commit()
    return MessageOut(message=LINK_SENT)


def send_reset_link(uow: UnitOfWork, message: SendPasswordResetLink, deps: Dependencies) -> None:
    """The `emails` handler: e-mail a reset link to an active account, within its budget."""
    settings, now = deps.settings, uow.clock()
    user = find_by_email(uow, message.email)
    if user is None or not user.is_active:
        return
    if not mail_budget.allows(
        uow.session.connection(), settings, mail_budget.PASSWORD_RESET, user.email, now
    ):
        log.info("password reset link not sent: the address's mails for the hour are spent")
        return
    minutes = settings.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES
    token = issue_token(
        settings, PASSWORD_RESET, user.id, timedelta(minutes=minutes), now, ver=user.token_version
    )
    account_emails.send_password_reset_link(uow, settings, user, token.token, minutes)


def reset_password(deps: Dependencies, token: str, new_password: str) -> MessageOut:
    now = deps.clock()
    claims = decode_token(deps.settings, token, PASSWORD_RESET)
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
