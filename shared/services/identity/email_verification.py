"""Proving an e-mail address: an e-mailed, single-use verification link.

The token (EMAIL_VERIFICATION_TOKEN_EXPIRE_MINUTES) names the address it was sent to, so a
link sent before the address changed cannot verify the new one, and its id is spent on use:
a second use answers 401. Confirming an address that is already verified succeeds.

Asking for a new link queues the request (SendVerificationLink on the `emails` queue) for any
address, so the answer costs the same whether an account exists; the `emails` consumer sends
the link within the address's mail budget (shared/security/mail_budget.py). The link sent at
sign-up is published with the account, outside that budget.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.config import Settings
from shared.domain.errors import AuthenticationRequiredError, ResourceNotFoundError
from shared.domain.users import User
from shared.messages.commands import SendVerificationLink
from shared.schemas.auth import MessageOut
from shared.security import mail_budget
from shared.security.tokens import EMAIL_VERIFICATION, decode_token, issue_token
from shared.services.identity import account_emails, sessions
from shared.services.identity.accounts import find_by_email, flush_account
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.identity")

LINK_SENT = "If the email is registered, a verification link has been sent"
VERIFIED = "Email has been verified successfully"
LINK_USED = "This verification link has already been used"
OTHER_ADDRESS = "This verification link was sent to another email address; request a new one"


def send_link(uow: UnitOfWork, settings: Settings, user: User) -> None:
    """Publish a verification e-mail for `user` in the caller's transaction."""
    minutes = settings.EMAIL_VERIFICATION_TOKEN_EXPIRE_MINUTES
    lifetime = timedelta(minutes=minutes)
    token = issue_token(
        settings, EMAIL_VERIFICATION, user.id, lifetime, uow.clock(), email=user.email
    )
    account_emails.send_verification_link(uow, settings, user, token.token, minutes)


def send_link_if_unverified(uow: UnitOfWork, settings: Settings, user: User) -> None:
    """Whoever creates an account (sign-up, an admin adding a user, an instructor or another
    admin): an address not yet verified gets its link in the same transaction. With
    REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN off an account counts as verified at creation, as in
    the reference, and gets none."""
    if user.email_verified_at is None:
        flush_account(uow)  # the link's token names the account's id
        send_link(uow, settings, user)


def request_link(deps: Dependencies, email: str) -> MessageOut:
    """Queue a link for `email`; the same work and answer for any address."""
    with deps.uow() as uow:
        uow.publish(SendVerificationLink(email=email))
        uow.commit()
    return MessageOut(message=LINK_SENT)


def send_requested_link(uow: UnitOfWork, message: SendVerificationLink, deps: Dependencies) -> None:
    """The `emails` handler: e-mail a link to an active, unverified account, within budget."""
    user = find_by_email(uow, message.email)
    if user is None or not user.is_active or user.email_verified_at is not None:
        return
    kind = mail_budget.EMAIL_VERIFICATION
    if not mail_budget.allows(
        uow.session.connection(), deps.settings, kind, user.email, uow.clock()
    ):
        log.info("verification link not sent: the address's mails for the hour are spent")
        return
    send_link(uow, deps.settings, user)


def confirm(deps: Dependencies, token: str) -> MessageOut:
    now = deps.clock()
    claims = decode_token(deps.settings, token, EMAIL_VERIFICATION)
    with deps.uow() as uow:
        user = uow.session.get(User, claims.subject, with_for_update=True)
        if user is None:
            raise ResourceNotFoundError("User not found")
        if not sessions.spend_token(uow.session, claims.jti, EMAIL_VERIFICATION, claims.expires_at):
            raise AuthenticationRequiredError(LINK_USED)
        if claims.extra.get("email") != user.email:
            raise AuthenticationRequiredError(OTHER_ADDRESS)
        if user.email_verified_at is None:
            user.email_verified_at = now
            user.updated_at = now
        uow.commit()
    return MessageOut(message=VERIFIED)
