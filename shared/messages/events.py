"""What happened: events for webhook subscribers, and the course events of the progress queue.

course.published             webhooks
enrollment.created           webhooks
enrollment.completed         progress (course figures, then the certificate), webhooks
certificate.issued           webhooks   (when its PDF and credential are stored)
certificate.revoked          webhooks
quiz.submitted               webhooks   (a finished attempt, not an expired one)
course.enrollments_changed   progress   (recompute the course's enrollment figures)
course.lessons_changed       progress   (recompute every enrollment's summary)
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from shared.messages.base import Message, Timestamp


class CoursePublished(Message):
    type = "course.published"
    queues = ("webhooks",)

    course_id: uuid.UUID
    instructor_id: uuid.UUID
    published_at: Timestamp


class EnrollmentCreated(Message):
    type = "enrollment.created"
    queues = ("webhooks",)

    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    course_id: uuid.UUID
    status: str
    enrolled_at: Timestamp


class EnrollmentCompleted(Message):
    type = "enrollment.completed"
    queues = ("progress", "webhooks")

    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    course_id: uuid.UUID
    completed_at: Timestamp


class CertificateIssued(Message):
    type = "certificate.issued"
    queues = ("webhooks",)

    certificate_id: uuid.UUID
    certificate_number: str
    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    course_id: uuid.UUID
    issued_at: Timestamp


class CertificateRevoked(Message):
    type = "certificate.revoked"
    queues = ("webhooks",)

    certificate_id: uuid.UUID
    certificate_number: str
    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    course_id: uuid.UUID
    revoked_at: Timestamp
    reason: str


class QuizSubmitted(Message):
    type = "quiz.submitted"
    queues = ("webhooks",)

    attempt_id: uuid.UUID
    quiz_id: uuid.UUID
    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    percentage: Decimal  # two places, as a string in JSON ("87.50")
    is_passed: bool
    submitted_at: Timestamp


class CourseEnrollmentsChanged(Message):
    type = "course.enrollments_changed"
    queues = ("progress",)

    course_id: uuid.UUID


class CourseLessonsChanged(Message):
    type = "course.lessons_changed"
    queues = ("progress",)

    course_id: uuid.UUID
