"""Every message type, by name, and which queues each goes to."""

from __future__ import annotations

from collections.abc import Mapping

from shared.messages.base import Message
from shared.messages.commands import (
    DeliverWebhook,
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
    EnrollmentDropped,
    QuizGraded,
    QuizSubmitted,
    UserRegistered,
    WebhookPing,
)

MESSAGES: tuple[type[Message], ...] = (
    *EMAILS,
    CoursePublished,
    EnrollmentCreated,
    EnrollmentCompleted,
    CertificateIssued,
    CertificateRevoked,
    QuizSubmitted,
    QuizGraded,
    EnrollmentDropped,
    UserRegistered,
    CourseEnrollmentsChanged,
    CourseLessonsChanged,
    IssueCertificate,
    RenderCertificate,
    SendPasswordResetLink,
    SendVerificationLink,
    DeliverWebhook,
)
BY_TYPE: Mapping[str, type[Message]] = {message.type: message for message in MESSAGES}


def going_to(queue: str) -> tuple[type[Message], ...]:
    """The message types published to `queue`."""
    return tuple(message for message in MESSAGES if queue in message.queues)


# What webhook subscribers receive (GET /api/v1/webhooks/events lists them, README documents
# them): every event on the webhooks queue, and the ping.
WEBHOOK_EVENTS: tuple[type[Message], ...] = (
    CoursePublished,
    EnrollmentCreated,
    EnrollmentCompleted,
    EnrollmentDropped,
    QuizSubmitted,
    QuizGraded,
    CertificateIssued,
    CertificateRevoked,
    UserRegistered,
    WebhookPing,
)
WEBHOOK_EVENT_TYPES = frozenset(event.type for event in WEBHOOK_EVENTS)
