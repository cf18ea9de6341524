"""Timer triggers: what Celery beat was meant to do. Schedules come from settings (%NAME%).

Each run's outcome is recorded (`timer_run`): the timers' last successes are what /ready and
the "workers down" alert read, on Azure and under `lms serve` alike."""

from __future__ import annotations

import logging
from datetime import timedelta

import azure.functions as func

from shared import bootstrap
from shared.messaging.outbox import sweep_outbox
from shared.services.assignments.reminders import send_due_reminders
from shared.services.files.cleanup import remove_abandoned
from shared.services.heartbeats import timer_run
from shared.services.housekeeping import purge_expired
from shared.services.quizzes.attempts import expire_overdue

bp = func.Blueprint()
log = logging.getLogger("lms.jobs.schedules")


@bp.function_name("outbox_sweep")
@bp.timer_trigger(schedule="%OUTBOX_SWEEP_SCHEDULE%", arg_name="timer", use_monitor=False)
def outbox_sweep(timer: func.TimerRequest) -> None:
    """Send outbox messages that the relay after commit could not send."""
    deps = bootstrap.current()
    with timer_run(deps, "outbox_sweep"):
        result = sweep_outbox(deps.broker, deps.sessions, now=deps.clock())
        if result.sent or result.failed:
            log.info("outbox sweep: %d sent, %d kept for later", result.sent, result.failed)
        if result.failed:
            # Fail the invocation so the platform's failure metrics and alerts see a broker
            # outage (and the timer's last success ages: shared/services/heartbeats.py).
            raise RuntimeError(f"outbox sweep could not send {result.failed} message(s)")


@bp.function_name("housekeeping_purge")
@bp.timer_trigger(schedule="%HOUSEKEEPING_SCHEDULE%", arg_name="timer", use_monitor=True)
def housekeeping_purge(timer: func.TimerRequest) -> None:
    """Delete rows past their time: inbox, settled local-queue messages, rate-limit windows,
    spent tokens, MFA codes, expired refresh tokens, stale login-failure counters and the
    webhook delivery log."""
    deps = bootstrap.current()
    with timer_run(deps, "housekeeping_purge"), deps.uow() as uow:
        result = purge_expired(uow, deps.settings)
    deleted = ", ".join(f"{count} {name}" for name, count in vars(result).items() if count)
    log.info("housekeeping: %s", f"deleted {deleted}" if deleted else "nothing to delete")


@bp.function_name("quiz_attempts_expire")
@bp.timer_trigger(schedule="%QUIZ_ATTEMPT_EXPIRY_SCHEDULE%", arg_name="timer", use_monitor=True)
def quiz_attempts_expire(timer: func.TimerRequest) -> None:
    """Expire in-progress quiz attempts past their time limit (0 points, not passed), so an
    abandoned attempt ends without its student coming back (the reference never did)."""
    deps = bootstrap.current()
    with timer_run(deps, "quiz_attempts_expire"), deps.uow() as uow:
        expired = expire_overdue(uow)
    if expired:
        log.info("quiz attempts: %d expired past their time limit", expired)


@bp.function_name("files_cleanup")
@bp.timer_trigger(schedule="%FILES_CLEANUP_SCHEDULE%", arg_name="timer", use_monitor=True)
def files_cleanup(timer: func.TimerRequest) -> None:
    """Remove direct uploads that expired before they were completed, and blobs of the files
    container that no file row accounts for (deleted files whose blob stayed behind)."""
    deps = bootstrap.current()
    with timer_run(deps, "files_cleanup"):
        result = remove_abandoned(deps.uow, deps.files, deps.clock())
    if result.expired_uploads or result.orphaned_blobs:
        log.info(
            "files: %d expired uploads and %d orphaned blobs removed",
            result.expired_uploads,
            result.orphaned_blobs,
        )


@bp.function_name("assignment_reminders")
@bp.timer_trigger(schedule="%ASSIGNMENT_REMINDER_SCHEDULE%", arg_name="timer", use_monitor=True)
def assignment_reminders(timer: func.TimerRequest) -> None:
    """Mail each enrolled student who has not submitted a reminder before an assignment's due
    date (ASSIGNMENT_REMINDER_LEAD_HOURS ahead), once per student and assignment."""
    deps = bootstrap.current()
    lead = timedelta(hours=deps.settings.ASSIGNMENT_REMINDER_LEAD_HOURS)
    with deps.uow() as uow:
        sent = send_due_reminders(uow, lead)
    if sent:
        log.info("assignments: %d due-date reminder(s) sent", sent)
