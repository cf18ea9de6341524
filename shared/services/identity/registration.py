"""Signing up: a student account, created and signed in at once, and its first e-mails.

Only students sign themselves up; admins add instructors (`instructors.register`) and admins
(`admins`). The account itself is made by `accounts`, which also answers a lost race for the
address with the same 409 as an address already taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain.errors import AccessDeniedError
from shared.domain.users import Role
from shared.messages.events import UserRegistered
from shared.observability import metrics
from shared.schemas.auth import AuthOut, Registration
from shared.services.identity import account_emails, email_verification, sessions
from shared.services.identity.accounts import commit_account, create_account, flush_account

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies


def register(deps: Dependencies, data: Registration) -> AuthOut:
    """Create a student account, sign it in, and send the welcome (and verification) e-mail.

    The verification e-mail goes only to an account that still needs it: with
    REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN off the address counts as verified at creation.
    """
    if data.role is not Role.STUDENT:
        raise AccessDeniedError("Public registration is limited to student accounts")
    settings = deps.settings
    with deps.uow() as uow:
        user = create_account(
            uow,
            deps.passwords,
            email=data.email,
            password=data.password,
            full_name=data.full_name,
            role=Role.STUDENT,
            email_verified=not settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN,
        )
        flush_account(uow)  # assigns the id the tokens name
        tokens = sessions.start_session(uow.session, settings, user, uow.clock())
        account_emails.send_welcome(uow, user)
        uow.publish(UserRegistered(user_id=user.id, role=user.role, registered_at=user.created_at))
        email_verification.send_link_if_unverified(uow, settings, user)
        commit_account(uow)
        metrics.increment("lms_user_registrations_total", role="student")
        return sessions.signed_in(user, tokens)
