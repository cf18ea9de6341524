"""Timer triggers on the local host: one thread per timer, one run per occurrence overall.

Each thread sleeps until its timer's next occurrence, claims it in the database (see
timer_claims) and runs the function only if the claim succeeded, so several threads or
`lms serve` processes on one database run each occurrence once, like the Functions host does
with its blob lease. Occurrences missed while a run was going (or the machine slept) collapse
into one run with `past_due=True`, as Azure does. A function that raises is logged; the next
occurrence runs as usual.

`run_due(now)` is one step of every timer at the clock's `now`: the threads call it, and tests
call it with a ManualClock instead of waiting for the wall clock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from azure.functions.timer import TimerRequest
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock, utc_now
from shared.local.app_functions import TimerFunction
from shared.local.ncrontab import CronSchedule, CronScheduleError
from shared.local.timer_claims import claim_occurrence, release

log = logging.getLogger("lms.local.timers")

# host.json functionTimeout: a run cannot last longer, so a lock older than that is orphaned.
DEFAULT_LOCK_FOR = timedelta(minutes=5)


def default_owner() -> str:
    """Who holds a lock: host, process and this scheduler (two may share a process in tests)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class TimerScheduler:
    def __init__(
        self,
        timers: Sequence[TimerFunction],
        sessions: sessionmaker[Session],
        *,
        owner: str | None = None,
        lock_for: timedelta = DEFAULT_LOCK_FOR,
        clock: Clock = utc_now,
    ) -> None:
        """Read every schedule now; a bad one raises CronScheduleError naming the function."""
        self._sessions = sessions
        self.owner = owner or default_owner()
        self.lock_for = lock_for
        self._clock = clock
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failing: dict[str, str] = {}  # timer -> last claim error, logged once
        self.schedules: list[tuple[TimerFunction, CronSchedule]] = []
        for timer in timers:
            try:
                self.schedules.append((timer, CronSchedule.parse(timer.schedule)))
            except CronScheduleError as exc:
                raise CronScheduleError(f"timer {timer.name}: {exc}") from None
        started = clock()
        # The last occurrence each timer has seen (claimed here or elsewhere), by name.
        self._last: dict[str, datetime] = {timer.name: started for timer, _ in self.schedules}

    def __repr__(self) -> str:
        timers = ", ".join(f"{t.name} {s}" for t, s in self.schedules)
        return f"TimerScheduler({self.owner}: {timers or 'no timers'})"

    def start(self) -> None:
        for timer, schedule in self.schedules:
            thread = threading.Thread(
                target=self._run, args=(timer, schedule), name=f"timer:{timer.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop waking up; wait up to `timeout` seconds for runs in progress to finish."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
            if thread.is_alive():
                log.warning("%s is still running; leaving it behind", thread.name)
        self._threads.clear()

    def run_due(self, now: datetime) -> None:
        """Run, once each, every timer whose next occurrence has come by `now`."""
        for timer, schedule in self.schedules:
            self._run_if_due(timer, schedule, now)

    def _run_if_due(self, timer: TimerFunction, schedule: CronSchedule, now: datetime) -> datetime:
        """Fire `timer` if an occurrence is due by `now`; return its next occurrence."""
        occurrence = schedule.next_after(self._last[timer.name])
        if occurrence > now:
            return occurrence
        following = schedule.next_after(occurrence)
        past_due = following <= now
        while following <= now:
            occurrence, following = following, schedule.next_after(following)
        self._fire(timer, occurrence, past_due)
        self._last[timer.name] = occurrence
        return following

    def _run(self, timer: TimerFunction, schedule: CronSchedule) -> None:
        while not self._stop.is_set():
            wake_at = self._run_if_due(timer, schedule, self._clock())
            delay = (wake_at - self._clock()).total_seconds()
            # Woken early (the wall clock moved): the next pass finds nothing due and waits.
            if delay > 0 and self._stop.wait(delay):
                return

    def _fire(self, timer: TimerFunction, occurrence: datetime, past_due: bool) -> None:
        now = self._clock()
        try:
            claim = claim_occurrence(
                self._sessions,
                timer.name,
                occurrence,
                owner=self.owner,
                now=now,
                lock_for=self.lock_for,
            )
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if self._failing.get(timer.name) != reason:
                log.exception(
                    "timer %s: cannot claim %s (is the database up and migrated? `lms migrate`);"
                    " retrying at each occurrence, logging only new errors",
                    timer.name,
                    occurrence.isoformat(),
                )
                self._failing[timer.name] = reason
            return
        self._failing.pop(timer.name, None)
        if claim is None:
            log.debug("timer %s: %s runs elsewhere", timer.name, occurrence.isoformat())
            return
        # ScheduleStatus as the host fills it: Next is the occurrence being run.
        status = {
            "Last": _iso(claim.previous),
            "Next": _iso(occurrence),
            "LastUpdated": _iso(now),
        }
        started = time.perf_counter()
        try:
            timer.call(TimerRequest(past_due=past_due, schedule_status=status))
            log.debug(
                "timer %s ran for %s in %.0f ms%s",
                timer.name,
                occurrence.isoformat(),
                (time.perf_counter() - started) * 1000,
                " (past due)" if past_due else "",
            )
        except Exception:
            log.exception("timer %s failed for %s", timer.name, occurrence.isoformat())
        finally:
            try:
                release(self._sessions, timer.name, owner=self.owner)
            except Exception:
                log.exception("timer %s: cannot release the lock; it expires by itself", timer.name)
