"""The e-mails identity flows send, published in the same transaction as the change that
caused them (no mail for a rolled-back change).

The messages, their payloads and templates are in shared/messages/emails.py. Here the links
are built: {FRONTEND_BASE_URL}/verify-email?token=<token> and
{FRONTEND_BASE_URL}/reset-password?token=<token>. A token travels inside `link` only (the
reference also put it in the text, §6.11), so a template cannot show it on its own.
"""

from __future__ import annotations

from urllib.parse import urlencode

from shared.config import Settings
from shared.domain.users import User
from shared.messages.emails import (
    MfaLoginCodeEmail,
    MfaSetupCodeEmail,
    PasswordResetEmail,
    VerifyEmail,
    WelcomeEmail,
)
from shared.uow import UnitOfWork


def frontend_link(settings: Settings, page: str, token: str) -> str:
    return f"{settings.FRONTEND_BASE_URL.rstrip('/')}/{page}?{urlencode({'token': token})}"


def send_welcome(uow: UnitOfWork, user: User) -> None:
    uow.publish(WelcomeEmail(to=user.email, full_name=user.full_name))


def send_verification_link(
    uow: UnitOfWork, settings: Settings, user: User, token: str, expires_minutes: int
) -> None:
    uow.publish(
        VerifyEmail(
            to=user.email,
            full_name=user.full_name,
            link=frontend_link(settings, "verify-email", token),
            expires_minutes=expires_minutes,
        )
    )


def send_password_reset_link(
    uow: UnitOfWork, settings: Settings, user: User, token: str, expires_minutes: int
) -> None:
    uow.publish(
        PasswordResetEmail(
            to=user.email,
            full_name=user.full_name,
            link=frontend_link(settings, "reset-password", token),
            expires_minutes=expires_minutes,
        )
    )


def send_mfa_login_code(uow: UnitOfWork, user: User, code: str, expires_minutes: int) -> None:
    uow.publish(
        MfaLoginCodeEmail(
            to=user.email, full_name=user.full_name, code=code, expires_minutes=expires_minutes
        )
    )


def send_mfa_setup_code(uow: UnitOfWork, user: User, code: str, expires_minutes: int) -> None:
    uow.publish(
        MfaSetupCodeEmail(
            to=user.email, full_name=user.full_name, code=code, expires_minutes=expires_minutes
        )
    )
