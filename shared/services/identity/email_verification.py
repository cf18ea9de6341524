"""Proving an e-mail address: an e-mailed, single-use verification link.

The token (EMAIL_VERIFICATION_TOKEN_EXPIRE_MINUTES) names the address it was sent to, so a
link sent before the address changed cannot verify the new one, and its id is spent on use:
a second use answers 401. Confirming an address that is already verified succeeds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared.config import Settings
from shared.domain.errors import AuthenticationRequiredError, ResourceNotFoundError
from shared.domain.users import User
from shared.schemas.auth import MessageOut
from shared.security.tokens import EMAIL_VERIFICATION, decode_token, issue_token
from shared.services.identity import account_emails, sessions
from shared.services.identity.accounts import find_by_email
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

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


def request_link(deps: Dependencies, email: str) -> MessageOut:
    """E-mail a link to an active, unverified account; the answer is the same for any address."""
    with deps.uow() as uow:
        user = find_by_email(uow, email)
        if user is not None and user.is_active and user.email_verified_at is None:
            send_link(uow, deps.settings, user)
            uow.commit()
    return MessageOut(message=LINK_SENT)


def confirm(deps: Dependencies, token: str) -> MessageOut:
    now = deps.clock()
    claims = decode_token(deps.settings, token, EMAIL_VERIFICATION, now)
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
