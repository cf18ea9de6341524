"""The `progress` queue: a course's enrollment figures, and enrollment summaries after its
lessons changed."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.messages.events import (
    CourseEnrollmentsChanged,
    CourseLessonsChanged,
    EnrollmentCompleted,
)
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable, consume_or_reject
from shared.services import course_stats

QUEUE = "progress"
HANDLERS = HandlerTable(
    QUEUE,
    {
        CourseEnrollmentsChanged: course_stats.on_enrollments_changed,
        EnrollmentCompleted: course_stats.on_enrollment_completed,
        CourseLessonsChanged: course_stats.on_lessons_changed,
    },
)

bp = func.Blueprint()


@bp.function_name("progress_consume")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection="ServiceBusConnection")
def progress_consume(msg: func.ServiceBusMessage) -> None:
    """Recompute course figures and enrollment summaries; ask for certificates."""
    consume_or_reject(bootstrap.current(), HANDLERS, Delivery.of(QUEUE, msg))
