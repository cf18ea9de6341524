"""The `webhooks` queue, until webhook delivery exists.

Delivery to subscribers (signed POSTs, retries, a delivery log) comes with a later issue.
Until then no subscriber can be configured, so each event is acknowledged without delivery
and logged at INFO: the queue drains instead of dead-lettering every event it carries.

    course.published      {course_id, instructor_id, published_at}
    enrollment.created    {enrollment_id, student_id, course_id, status, enrolled_at}
    enrollment.completed  {enrollment_id, student_id, course_id, completed_at}
    certificate.issued    {certificate_id, certificate_number, enrollment_id, student_id,
                           course_id, issued_at}
    quiz.submitted        {attempt_id, quiz_id, enrollment_id, student_id, percentage,
                           is_passed, submitted_at}   (a finished attempt, not an expired one)
"""

from __future__ import annotations

import logging

from shared.messaging.consumer import handles
from shared.messaging.envelope import Envelope
from shared.uow import UnitOfWork

log = logging.getLogger("lms.webhooks")

WEBHOOK_EVENTS = (
    "course.published",
    "enrollment.created",
    "enrollment.completed",
    "certificate.issued",
    "quiz.submitted",
)


def acknowledge_event(uow: UnitOfWork, message: Envelope) -> None:
    log.info(
        "webhook event %s (%s) acknowledged without delivery: no subscribers are configured",
        message.type,
        message.id,
    )


for _event in WEBHOOK_EVENTS:
    handles("webhooks", _event)(acknowledge_event)
