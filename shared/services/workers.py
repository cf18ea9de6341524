"""Are the workers alive? The timers' last runs and the consumers' beats, for readiness.

What "workers down" (the reference's LMSCeleryWorkerDown) means here, the same on Azure and
under `lms serve`: a timer whose last run failed, no timer run at all for TIMERS_SILENT_SECONDS
(the outbox sweep runs every few seconds), or messages that wait longer than
CONSUMERS_SILENT_SECONDS while no consumer of their queue was seen for as long (an idle
Service Bus trigger does not run, so an old beat alone is no fault). These are warnings:
an API instance whose jobs app is down still serves requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.services.heartbeats import CONSUMER, TIMER, read_all

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies
    from shared.services.health import Readiness

TIMERS_SILENT_SECONDS = 600.0
CONSUMERS_SILENT_SECONDS = 300.0


def _age(now: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def check_workers(deps: Dependencies, readiness: Readiness) -> None:
    """Fill `readiness.timers` and `.consumers`, and warn about workers that look down."""
    now = deps.clock()
    with deps.sessions() as session:
        beats = read_all(session)
    problems: list[str] = []
    last_timer_success: datetime | None = None
    for beat in beats:
        if beat.kind == TIMER:
            readiness.timers[beat.name] = {
                "last_success": _iso(beat.last_success_at),
                "last_success_age_seconds": _age(now, beat.last_success_at),
                "last_failure": _iso(beat.last_failure_at),
            }
            if beat.last_success_at is not None and (
                last_timer_success is None or beat.last_success_at > last_timer_success
            ):
                last_timer_success = beat.last_success_at
            if beat.last_failure_at is not None and (
                beat.last_success_at is None or beat.last_failure_at > beat.last_success_at
            ):
                problems.append(f"timer {beat.name} failed at its last run ({beat.last_error})")
        elif beat.kind == CONSUMER:
            readiness.consumers[beat.name] = {
                "last_seen": _iso(beat.last_success_at),
                "last_seen_age_seconds": _age(now, beat.last_success_at),
            }
    if beats and (
        last_timer_success is None
        or (now - last_timer_success).total_seconds() > TIMERS_SILENT_SECONDS
    ):
        problems.append(
            f"no timer has run for over {TIMERS_SILENT_SECONDS:.0f} s; "
            "is the jobs app (or `lms serve`) running?"
        )
    for queue, figures in readiness.queues.items():
        waiting = figures.get("oldest_age_seconds") or 0
        seen = readiness.consumers.get(queue, {}).get("last_seen_age_seconds")
        if waiting > CONSUMERS_SILENT_SECONDS and (seen is None or seen > CONSUMERS_SILENT_SECONDS):
            problems.append(
                f"queue {queue}: a message has waited {waiting:.0f} s and no consumer was seen "
                f"for {'ever' if seen is None else f'{seen:.0f} s'}"
            )
    if problems:
        readiness.warnings["workers"] = "; ".join(problems)
