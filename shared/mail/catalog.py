"""The e-mails the system sends, and the payload contract of each message type.

Every message on the `emails` queue is one of these. Its payload is a contract between the
service that publishes it and this package: add fields, never rename or remove one (a message
published by the old code may be rendered by the new). Every payload has `to` (one address,
no display name) and `full_name`.

    type                             payload
    "email.welcome"                  {to, full_name}
    "email.verify_email"             {to, full_name, link, expires_minutes}
    "email.password_reset"           {to, full_name, link, expires_minutes}
    "email.mfa_login_code"           {to, full_name, code, expires_minutes}
    "email.mfa_setup_code"           {to, full_name, code, expires_minutes}
    "email.enrollment_confirmation"  {to, full_name, course_id, course_title}
    "email.course_completed"         {to, full_name, course_id, course_title}
    "email.certificate_issued"       {to, full_name, course_id, course_title,
                                      certificate_id, certificate_number}

Each has templates/<type without "email.">.txt and .html, and a subject in `EMAILS`.

Links. The identity e-mails carry a finished `link` with their single-use token inside
(shared/services/account_emails.py builds it); the token appears nowhere else in the mail.
The others carry ids, and the pages they point at are built here, at rendering time, from
FRONTEND_BASE_URL (`FRONTEND_PAGES`):

    app_url          {FRONTEND_BASE_URL}                          every template
    course_url       {FRONTEND_BASE_URL}/courses/{course_id}
    certificate_url  {FRONTEND_BASE_URL}/certificates/{certificate_id}

A payload without a field its template uses is refused (StrictUndefined): the message is
recorded as rejected, not retried, since no retry can add the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

# The frontend's pages that e-mails link to, the one place their paths are written down:
# template variable -> (path under FRONTEND_BASE_URL, the payload field naming the item).
FRONTEND_PAGES: Mapping[str, tuple[str, str]] = {
    "course_url": ("courses", "course_id"),
    "certificate_url": ("certificates", "certificate_id"),
}


@dataclass(frozen=True)
class EmailKind:
    message_type: str
    template: str  # templates/<template>.txt and templates/<template>.html
    subject: str  # Jinja2 source, rendered from the payload without escaping
    pages: tuple[str, ...] = field(default=())  # names in FRONTEND_PAGES the template uses


WELCOME = EmailKind("email.welcome", "welcome", "Welcome to LMS")
VERIFY_EMAIL = EmailKind("email.verify_email", "verify_email", "Verify your LMS email")
PASSWORD_RESET = EmailKind("email.password_reset", "password_reset", "Reset your LMS password")
MFA_LOGIN_CODE = EmailKind(
    "email.mfa_login_code", "mfa_login_code", "Your LMS login verification code"
)
MFA_SETUP_CODE = EmailKind("email.mfa_setup_code", "mfa_setup_code", "Your LMS MFA setup code")
ENROLLMENT_CONFIRMATION = EmailKind(
    "email.enrollment_confirmation",
    "enrollment_confirmation",
    "You are enrolled in {{ course_title }}",
    ("course_url",),
)
COURSE_COMPLETED = EmailKind(
    "email.course_completed",
    "course_completed",
    "You completed {{ course_title }}",
    ("course_url",),
)
CERTIFICATE_ISSUED = EmailKind(
    "email.certificate_issued",
    "certificate_issued",
    "Your certificate for {{ course_title }}",
    ("course_url", "certificate_url"),
)

EMAILS: Mapping[str, EmailKind] = {
    kind.message_type: kind
    for kind in (
        WELCOME,
        VERIFY_EMAIL,
        PASSWORD_RESET,
        MFA_LOGIN_CODE,
        MFA_SETUP_CODE,
        ENROLLMENT_CONFIRMATION,
        COURSE_COMPLETED,
        CERTIFICATE_ISSUED,
    )
}


def frontend_url(base_url: str, page: str, payload: Mapping[str, Any]) -> str:
    """The page's URL under `base_url`, its id from the payload quoted as one path segment.

    Raises KeyError naming the payload field when it is missing."""
    path, id_field = FRONTEND_PAGES[page]
    return f"{base_url.rstrip('/')}/{path}/{quote(str(payload[id_field]), safe='')}"
