"""Every message type, by name, and which queues each goes to."""

from __future__ import annotations

from collections.abc import Mapping

from shared.messages.base import Message
from shared.messages.commands import (
    IssueCertificate,
    RenderCertificate,
    SendPasswordResetLink,
    SendVerificationLink,
)
from shared.messages.emails import EMAILS
from shared.messages.events import (
    CertificateIssued,
    CertificateRevoked,
    CourseEnrollmentsChanged,
    CourseLessonsChanged,
    CoursePublished,
    EnrollmentCompleted,
    EnrollmentCreated,
    QuizSubmitted,
)

MESSAGES: tuple[type[Message], ...] = (
    *EMAILS,
    CoursePublished,
    EnrollmentCreated,
    EnrollmentCompleted,
    CertificateIssued,
    CertificateRevoked,
    QuizSubmitted,
    CourseEnrollmentsChanged,
    CourseLessonsChanged,
    IssueCertificate,
    RenderCertificate,
    SendPasswordResetLink,
    SendVerificationLink,
)
BY_TYPE: Mapping[str, type[Message]] = {message.type: message for message in MESSAGES}


def going_to(queue: str) -> tuple[type[Message], ...]:
    """The message types published to `queue`."""
    return tuple(message for message in MESSAGES if queue in message.queues)
