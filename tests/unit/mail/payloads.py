"""One valid payload per e-mail message type, as the services publish them."""

from __future__ import annotations

from typing import Any

from shared.messages.catalog import BY_TYPE
from shared.messages.emails import Email

TOKEN = "tok_Zx81QmRaw"
VERIFY_LINK = f"http://localhost:3000/verify-email?token={TOKEN}"
RESET_LINK = f"http://localhost:3000/reset-password?token={TOKEN}"
COURSE_ID = "6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f"
CERTIFICATE_ID = "0c9d8e7f-6a5b-4c4d-8e2f-1a2b3c4d5e6f"
VERIFY_CERTIFICATE_LINK = "http://localhost:7071/api/v1/certificates/verify/CERT-20261123-4F2A9C"
ASSIGNMENT_ID = "3a4b5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d"

PAYLOADS: dict[str, dict[str, Any]] = {
    "email.welcome": {"to": "ada@example.org", "full_name": "Ada Lovelace"},
    "email.verify_email": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "link": VERIFY_LINK,
        "expires_minutes": 1440,
    },
    "email.password_reset": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "link": RESET_LINK,
        "expires_minutes": 30,
    },
    "email.mfa_login_code": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "code": "482913",
        "expires_minutes": 10,
    },
    "email.mfa_setup_code": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "code": "731204",
        "expires_minutes": 10,
    },
    "email.enrollment_confirmation": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "course_id": COURSE_ID,
        "course_title": "Analytical Engines",
    },
    "email.course_completed": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "course_id": COURSE_ID,
        "course_title": "Analytical Engines",
    },
    "email.certificate_issued": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "course_id": COURSE_ID,
        "course_title": "Analytical Engines",
        "certificate_id": CERTIFICATE_ID,
        "certificate_number": "CERT-20261123-4F2A9C",
        "verify_url": VERIFY_CERTIFICATE_LINK,
    },
    "email.certificate_revoked": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "course_id": COURSE_ID,
        "course_title": "Analytical Engines",
        "certificate_number": "CERT-20261123-4F2A9C",
        "revoked_at": "5 December 2026",
        "reason": "The final exam was taken by someone else",
    },
    "email.webhook_alert": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "subscription_id": COURSE_ID,
        "url": "https://hr.example.org/hooks/lms",
        "event_type": "enrollment.completed",
        "webhook_id": "msg_2f1c",
        "attempts": 8,
        "reason": "HTTP 503",
        "subscription_disabled": False,
    },
    "email.assignment_graded": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "assignment_id": ASSIGNMENT_ID,
        "assignment_title": "The Bernoulli numbers",
        "course_title": "Analytical Engines",
        "grade": "81.00",
        "max_grade": "100.00",
        "late_penalty_percent": "10.00",
        "feedback": "Note G is right; check the loop bounds.",
    },
    "email.assignment_returned": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "assignment_id": ASSIGNMENT_ID,
        "assignment_title": "The Bernoulli numbers",
        "course_title": "Analytical Engines",
        "feedback": "Show the table of operations too.",
    },
    "email.assignment_due_reminder": {
        "to": "ada@example.org",
        "full_name": "Ada Lovelace",
        "assignment_id": ASSIGNMENT_ID,
        "assignment_title": "The Bernoulli numbers",
        "course_title": "Analytical Engines",
        "due_text": "on 2026-05-01 at 17:00 UTC",
    },
}

SUBJECTS = {
    "email.welcome": "Welcome to LMS",
    "email.verify_email": "Verify your LMS email",
    "email.password_reset": "Reset your LMS password",
    "email.mfa_login_code": "Your LMS login verification code",
    "email.mfa_setup_code": "Your LMS MFA setup code",
    "email.enrollment_confirmation": "You are enrolled in Analytical Engines",
    "email.course_completed": "You completed Analytical Engines",
    "email.certificate_issued": "Your certificate for Analytical Engines",
    "email.certificate_revoked": "Your certificate for Analytical Engines was revoked",
    "email.webhook_alert": "Webhook delivery failed: https://hr.example.org/hooks/lms",
    "email.assignment_graded": "Your work on The Bernoulli numbers is graded",
    "email.assignment_returned": "Your work on The Bernoulli numbers was returned for rework",
    "email.assignment_due_reminder": "The Bernoulli numbers is due on 2026-05-01 at 17:00 UTC",
}

# What each message must link to, besides the app itself.
LINKS = {
    "email.verify_email": VERIFY_LINK,
    "email.password_reset": RESET_LINK,
    "email.enrollment_confirmation": f"http://localhost:3000/courses/{COURSE_ID}",
    "email.course_completed": f"http://localhost:3000/courses/{COURSE_ID}",
    "email.certificate_issued": f"http://localhost:3000/certificates/{CERTIFICATE_ID}",
    "email.certificate_revoked": f"http://localhost:3000/courses/{COURSE_ID}",
    "email.assignment_graded": f"http://localhost:3000/assignments/{ASSIGNMENT_ID}",
    "email.assignment_returned": f"http://localhost:3000/assignments/{ASSIGNMENT_ID}",
    "email.assignment_due_reminder": f"http://localhost:3000/assignments/{ASSIGNMENT_ID}",
}


def email(message_type: str, **changes: Any) -> Email:
    """The e-mail message of `message_type` with its sample payload, `changes` applied."""
    message = BY_TYPE[message_type].model_validate({**PAYLOADS[message_type], **changes})
    assert isinstance(message, Email)
    return message
