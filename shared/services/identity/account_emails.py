"""The e-mails identity flows send: messages on the `emails` queue, published in the same
transaction as the change that caused them (no mail for a rolled-back change).

A later issue renders and delivers them; these types and payloads are a contract, keep them
stable (add fields, never rename or remove):

    type                    payload
    "email.welcome"         {to, full_name}
    "email.verify_email"    {to, full_name, link, expires_minutes}
                            link = f"{FRONTEND_BASE_URL}/verify-email?token=<token>"
    "email.password_reset"  {to, full_name, link, expires_minutes}
                            link = f"{FRONTEND_BASE_URL}/reset-password?token=<token>"
    "email.mfa_login_code"  {to, full_name, code, expires_minutes}
    "email.mfa_setup_code"  {to, full_name, code, expires_minutes}

A token travels inside `link` only (the reference also put it in the text, §6.11), so a
template cannot show it on its own.
"""

from __future__ import annotations

from urllib.parse import urlencode

from shared.config import Settings
from shared.domain.users import User
from shared.uow import UnitOfWork

QUEUE = "emails"
WELCOME = "email.welcome"
VERIFY_EMAIL = "email.verify_email"
PASSWORD_RESET = "email.password_reset"  # noqa: S105 (a message type)
MFA_LOGIN_CODE = "email.mfa_login_code"
MFA_SETUP_CODE = "email.mfa_setup_code"


def frontend_link(settings: Settings, page: str, token: str) -> str:
    return f"{settings.FRONTEND_BASE_URL.rstrip('/')}/{page}?{urlencode({'token': token})}"


def send_welcome(uow: UnitOfWork, user: User) -> None:
    uow.publish(QUEUE, WELCOME, {"to": user.email, "full_name": user.full_name})


def send_verification_link(
    uow: UnitOfWork, settings: Settings, user: User, token: str, expires_minutes: int
) -> None:
    link = frontend_link(settings, "verify-email", token)
    uow.publish(QUEUE, VERIFY_EMAIL, _with_link(user, link, expires_minutes))


def send_password_reset_link(
    uow: UnitOfWork, settings: Settings, user: User, token: str, expires_minutes: int
) -> None:
    link = frontend_link(settings, "reset-password", token)
    uow.publish(QUEUE, PASSWORD_RESET, _with_link(user, link, expires_minutes))


def send_mfa_login_code(uow: UnitOfWork, user: User, code: str, expires_minutes: int) -> None:
    uow.publish(QUEUE, MFA_LOGIN_CODE, _with_code(user, code, expires_minutes))


def send_mfa_setup_code(uow: UnitOfWork, user: User, code: str, expires_minutes: int) -> None:
    uow.publish(QUEUE, MFA_SETUP_CODE, _with_code(user, code, expires_minutes))


def _with_link(user: User, link: str, expires_minutes: int) -> dict[str, object]:
    return {
        "to": user.email,
        "full_name": user.full_name,
        "link": link,
        "expires_minutes": expires_minutes,
    }


def _with_code(user: User, code: str, expires_minutes: int) -> dict[str, object]:
    return {
        "to": user.email,
        "full_name": user.full_name,
        "code": code,
        "expires_minutes": expires_minutes,
    }
