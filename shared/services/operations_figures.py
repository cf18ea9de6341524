"""The figures that must be true across every instance, read when /metrics is scraped.

A process counter cannot say how deep a queue is, when a timer last ran on whichever
instance ran it, or what share of enrollments ends in completion: those come from the
database (and the broker) at each scrape, as gauges. A scrape costs a handful of short
queries; requests cost none. What cannot be read is left out, and `lms_database_up` /
`lms_broker_up` say so, which is what the "database unreachable" alert watches.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from shared.domain.enrollments import Enrollment, EnrollmentStatus
from shared.messages.base import QUEUES
from shared.observability.metrics import Figure
from shared.services.health import STATE_STORE_TABLES
from shared.services.heartbeats import CONSUMER, TIMER, read_all

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.metrics")


def read_figures(deps: Dependencies) -> list[Figure]:
    return _database_figures(deps) + _queue_figures(deps)


def _database_figures(deps: Dependencies) -> list[Figure]:
    try:
        with deps.sessions() as session:
            figures = _heartbeats(session) + _enrollments(session) + _state_store(session)
            if session.get_bind().dialect.name == "postgresql":
                figures += _connections(session.connection())
    except Exception as exc:
        log.warning("metrics: the database figures could not be read (%s)", type(exc).__name__)
        return [_up("lms_database_up", "Whether the database answered this scrape", False)]
    return [_up("lms_database_up", "Whether the database answered this scrape", True), *figures]


def _up(name: str, help_text: str, up: bool) -> Figure:
    return Figure(name, help_text, 1.0 if up else 0.0)


def _heartbeats(session: Session) -> list[Figure]:
    figures = []
    for beat in read_all(session):
        if beat.kind == TIMER:
            label = (("timer", beat.name),)
            if beat.last_success_at is not None:
                figures.append(
                    Figure(
                        "lms_timer_last_success_timestamp_seconds",
                        "When each timer last ran to the end (Unix time), on any instance",
                        beat.last_success_at.timestamp(),
                        label,
                    )
                )
            if beat.last_failure_at is not None:
                figures.append(
                    Figure(
                        "lms_timer_last_failure_timestamp_seconds",
                        "When each timer last failed (Unix time), on any instance",
                        beat.last_failure_at.timestamp(),
                        label,
                    )
                )
        elif beat.kind == CONSUMER and beat.last_success_at is not None:
            figures.append(
                Figure(
                    "lms_consumer_last_seen_timestamp_seconds",
                    "When a consumer of each queue last showed it was alive (Unix time)",
                    beat.last_success_at.timestamp(),
                    (("queue", beat.name),),
                )
            )
    return figures


def _enrollments(session: Session) -> list[Figure]:
    counts = {status.value: 0 for status in EnrollmentStatus}
    for status, count in session.execute(
        select(Enrollment.status, func.count()).group_by(Enrollment.status)
    ):
        counts[status] = int(count)
    total = sum(counts.values())
    figures = [
        Figure("lms_enrollments", "Enrollments by status", float(n), (("status", status),))
        for status, n in sorted(counts.items())
    ]
    if not total:
        return figures  # no ratio of nothing: an empty system is not "completion low"
    figures.append(
        Figure(
            "lms_course_completion_rate",
            "Share of all enrollments that are completed (0-1)",
            counts[EnrollmentStatus.COMPLETED.value] / total if total else 0.0,
        )
    )
    figures.append(
        Figure(
            "lms_student_dropout_rate",
            "Share of all enrollments that were dropped (0-1)",
            counts[EnrollmentStatus.DROPPED.value] / total if total else 0.0,
        )
    )
    return figures


def _state_store(session: Session) -> list[Figure]:
    """Rows in the tables that took over Redis's roles: what Redis's memory held."""
    return [
        Figure(
            "lms_state_store_rows",
            "Rows in the rate-limit, lockout and spent-token tables (housekeeping purges them)",
            float(session.execute(select(func.count()).select_from(table)).scalar_one()),
            (("table", str(getattr(table, "name", table))),),
        )
        for table in STATE_STORE_TABLES
    ]


def _connections(connection: Connection) -> list[Figure]:
    used = connection.execute(
        text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
    ).scalar_one()
    most = connection.execute(text("SHOW max_connections")).scalar_one()
    return [
        Figure(
            "lms_database_connections",
            "Connections to this database now, from every instance (pg_stat_activity)",
            float(used),
        ),
        Figure(
            "lms_database_max_connections",
            "The server's max_connections",
            float(most),
        ),
    ]


def _queue_figures(deps: Dependencies) -> list[Figure]:
    figures: list[Figure] = []
    try:
        for queue in QUEUES:
            stats = deps.broker.stats(queue)
            label = (("queue", queue),)
            figures += [
                Figure(
                    "lms_queue_depth",
                    "Messages ready for delivery now, by queue",
                    float(stats.active),
                    label,
                ),
                Figure(
                    "lms_queue_scheduled_messages",
                    "Messages waiting for a later delivery (retries, scheduled sends)",
                    float(stats.scheduled),
                    label,
                ),
                Figure(
                    "lms_queue_dead_letters",
                    "Messages in the dead-letter queue; `lms dlq list` shows them",
                    float(stats.dead_lettered),
                    label,
                ),
                Figure(
                    "lms_queue_oldest_message_age_seconds",
                    "Age of the oldest message ready for delivery (0 when none waits)",
                    float(stats.oldest_active_age_seconds or 0.0),
                    label,
                ),
            ]
    except Exception as exc:
        log.warning("metrics: the queue figures could not be read (%s)", type(exc).__name__)
        return [_up("lms_broker_up", "Whether the broker answered this scrape", False)]
    return [_up("lms_broker_up", "Whether the broker answered this scrape", True), *figures]
