"""The e-mails: messages on the `emails` queue, each rendered from its templates.

Every e-mail has `to` (one plain address, no display name) and `full_name`. Each has
shared/mail/templates/<template>.txt and .html, a subject (Jinja2 source, rendered from the
fields without escaping) and the frontend pages its template links to (`pages`, built at
rendering time from FRONTEND_BASE_URL and the ids in the payload).

Tokens travel inside `link` only (the identity e-mails; the reference also put them in the
text, its defect 6.11), so no template can show one on its own.
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr
from typing import Annotated, ClassVar

from pydantic import AfterValidator

from shared.messages.base import Message

MAX_ADDRESS_LENGTH = 320  # RFC 5321: 64 for the local part, @, 255 for the domain


def _plain_address(value: str) -> str:
    if (
        len(value) > MAX_ADDRESS_LENGTH
        or "@" not in value
        or parseaddr(value)[1] != value
        or any(c.isspace() for c in value)
    ):
        # The value stays out of the message: it may be an address, which logs must not show.
        raise ValueError("`to` must be one plain e-mail address")
    return value


Recipient = Annotated[str, AfterValidator(_plain_address)]


class Email(Message):
    queues = ("emails",)
    template: ClassVar[str]  # templates/<template>.txt and .html
    subject: ClassVar[str]
    pages: ClassVar[tuple[str, ...]] = ()  # names in shared.mail.rendering.FRONTEND_PAGES

    to: Recipient
    full_name: str


class WelcomeEmail(Email):
    type = "email.welcome"
    template = "welcome"
    subject = "Welcome to LMS"


class VerifyEmail(Email):
    type = "email.verify_email"
    template = "verify_email"
    subject = "Verify your LMS email"

    link: str  # {FRONTEND_BASE_URL}/verify-email?token=<token>
    expires_minutes: int


class PasswordResetEmail(Email):
    type = "email.password_reset"
    template = "password_reset"
    subject = "Reset your LMS password"

    link: str  # {FRONTEND_BASE_URL}/reset-password?token=<token>
    expires_minutes: int


class MfaLoginCodeEmail(Email):
    type = "email.mfa_login_code"
    template = "mfa_login_code"
    subject = "Your LMS login verification code"

    code: str
    expires_minutes: int


class MfaSetupCodeEmail(Email):
    type = "email.mfa_setup_code"
    template = "mfa_setup_code"
    subject = "Your LMS MFA setup code"

    code: str
    expires_minutes: int


class EnrollmentConfirmationEmail(Email):
    type = "email.enrollment_confirmation"
    template = "enrollment_confirmation"
    subject = "You are enrolled in {{ course_title }}"
    pages = ("course_url",)

    course_id: uuid.UUID
    course_title: str


class CourseCompletedEmail(Email):
    type = "email.course_completed"
    template = "course_completed"
    subject = "You completed {{ course_title }}"
    pages = ("course_url",)

    course_id: uuid.UUID
    course_title: str


class CertificateIssuedEmail(Email):
    type = "email.certificate_issued"
    template = "certificate_issued"
    subject = "Your certificate for {{ course_title }}"
    pages = ("course_url", "certificate_url")

    course_id: uuid.UUID
    course_title: str
    certificate_id: uuid.UUID
    certificate_number: str
    verify_url: str  # the public verification page of the certificate (also its QR code)


class CertificateRevokedEmail(Email):
    type = "email.certificate_revoked"
    template = "certificate_revoked"
    subject = "Your certificate for {{ course_title }} was revoked"
    pages = ("course_url",)

    course_id: uuid.UUID
    course_title: str
    certificate_number: str
    revoked_at: str  # as shown: "5 December 2026"
    reason: str


class WebhookAlertEmail(Email):
    """To each admin: a webhook delivery failed for good, or its subscription was disabled."""

    type = "email.webhook_alert"
    template = "webhook_alert"
    subject = "Webhook {{ 'disabled' if subscription_disabled else 'delivery failed' }}: {{ url }}"

    subscription_id: uuid.UUID
    url: str
    event_type: str
    webhook_id: str
    attempts: int
    reason: str  # the last attempt's error, or why the subscription was disabled
    subscription_disabled: bool


class AssignmentGradedEmail(Email):
    type = "email.assignment_graded"
    template = "assignment_graded"
    subject = "Your work on {{ assignment_title }} is graded"
    pages = ("assignment_url",)

    assignment_id: uuid.UUID
    assignment_title: str
    course_title: str
    grade: str  # "87.50", after any late penalty
    max_grade: str
    late_penalty_percent: str | None = None  # "10.00" when a late penalty was taken off
    feedback: str = ""


class AssignmentReturnedEmail(Email):
    type = "email.assignment_returned"
    template = "assignment_returned"
    subject = "Your work on {{ assignment_title }} was returned for rework"
    pages = ("assignment_url",)

    assignment_id: uuid.UUID
    assignment_title: str
    course_title: str
    feedback: str = ""


class AssignmentDueReminderEmail(Email):
    type = "email.assignment_due_reminder"
    template = "assignment_due_reminder"
    subject = "{{ assignment_title }} is due {{ due_text }}"
    pages = ("assignment_url",)

    assignment_id: uuid.UUID
    assignment_title: str
    course_title: str
    due_text: str  # "on 2026-05-01 at 17:00 UTC"


EMAILS: tuple[type[Email], ...] = (
    WelcomeEmail,
    VerifyEmail,
    PasswordResetEmail,
    MfaLoginCodeEmail,
    MfaSetupCodeEmail,
    EnrollmentConfirmationEmail,
    CourseCompletedEmail,
    CertificateIssuedEmail,
    CertificateRevokedEmail,
    WebhookAlertEmail,
    AssignmentGradedEmail,
    AssignmentReturnedEmail,
    AssignmentDueReminderEmail,
)
