"""Every model, imported once so Base.metadata is complete (Alembic and the drift test read it)."""

from shared.domain.admins import AdminProfile
from shared.domain.assignments import (
    Assignment,
    AssignmentReminder,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from shared.domain.base import Base
from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Certificate, Enrollment, LessonProgress
from shared.domain.files import UploadedFile
from shared.domain.heartbeats import WorkerHeartbeat
from shared.domain.inbox import ProcessedMessage
from shared.domain.instructors import InstructorProfile
from shared.domain.mail import EmailDelivery
from shared.domain.mfa import MfaCode
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.domain.quizzes import Quiz, QuizAnswer, QuizAttempt, QuizQuestion
from shared.domain.rejected_messages import RejectedMessage
from shared.domain.throttling import LoginFailure, RateLimitCounter
from shared.domain.timers import TimerSchedule
from shared.domain.tokens import RefreshToken, SpentToken
from shared.domain.users import User
from shared.domain.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "AdminProfile",
    "Assignment",
    "AssignmentReminder",
    "Base",
    "Certificate",
    "Course",
    "EmailDelivery",
    "Enrollment",
    "InstructorProfile",
    "Lesson",
    "LessonProgress",
    "LoginFailure",
    "MfaCode",
    "OutboxMessage",
    "ProcessedMessage",
    "QueuedMessage",
    "Quiz",
    "QuizAnswer",
    "QuizAttempt",
    "QuizQuestion",
    "RateLimitCounter",
    "RefreshToken",
    "RejectedMessage",
    "SpentToken",
    "Submission",
    "SubmissionFile",
    "SubmissionVersion",
    "TimerSchedule",
    "UploadedFile",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerHeartbeat",
]
