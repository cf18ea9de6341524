"""The timer scheduler: real threads, a real clock and a real database (SQLite, PostgreSQL).

Timer functions are registered on real FunctionApps and read back through `functions_of`, as
`lms serve` reads them. Across processes: tests/e2e/test_timers_across_processes.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import azure.functions as func
import pytest

from shared import db_migrations
from shared.config import get_settings
from shared.local.app_functions import TimerFunction, functions_of
from shared.local.ncrontab import CronScheduleError
from shared.local.timers import TimerScheduler

EVERY_SECOND = "* * * * * *"


def timers_of(
    body: Callable[[func.TimerRequest], None], schedule: str = EVERY_SECOND
) -> list[TimerFunction]:
    app = func.FunctionApp()

    @app.function_name("tick")
    @app.timer_trigger(schedule=schedule, arg_name="timer")
    def tick(timer: func.TimerRequest) -> None:
        body(timer)

    return functions_of(app).timers


def occurrence_of(timer: func.TimerRequest) -> datetime:
    return datetime.fromisoformat(timer.schedule_status["Next"])


@pytest.fixture
def sqlite_database() -> None:
    """The per-test SQLite database the root conftest points DATABASE_URL at, migrated."""
    db_migrations.upgrade(get_settings().DATABASE_URL)


def run_for(seconds: float, *schedulers: TimerScheduler) -> None:
    for scheduler in schedulers:
        scheduler.start()
    try:
        time.sleep(seconds)
    finally:
        for scheduler in schedulers:
            scheduler.stop()


def test_two_schedulers_on_one_database_run_each_occurrence_once(database_url: str) -> None:
    runs: list[tuple[str, datetime]] = []
    lock = threading.Lock()

    def recorder(who: str) -> Callable[[func.TimerRequest], None]:
        def record(timer: func.TimerRequest) -> None:
            with lock:
                runs.append((who, occurrence_of(timer)))

        return record

    run_for(
        3.6,
        TimerScheduler(timers_of(recorder("a")), owner="scheduler-a"),
        TimerScheduler(timers_of(recorder("b")), owner="scheduler-b"),
    )
    occurrences = sorted(occurrence for _, occurrence in runs)
    assert len(occurrences) >= 3
    assert len(set(occurrences)) == len(occurrences), runs
    assert occurrences[-1] - occurrences[0] == timedelta(seconds=len(occurrences) - 1), runs


def test_the_function_gets_a_timer_request_like_the_hosts(sqlite_database: None) -> None:
    seen: list[func.TimerRequest] = []
    run_for(2.2, TimerScheduler(timers_of(seen.append)))
    assert len(seen) >= 2
    first, second = seen[0], seen[1]
    assert first.past_due is False
    assert occurrence_of(first).microsecond == 0
    assert second.schedule_status["Last"] == first.schedule_status["Next"]


def test_a_timer_that_raises_is_logged_and_runs_again_at_the_next_occurrence(
    sqlite_database: None, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[datetime] = []

    def fail_first(timer: func.TimerRequest) -> None:
        calls.append(occurrence_of(timer))
        if len(calls) == 1:
            raise RuntimeError("the sweep broke")

    with caplog.at_level(logging.ERROR, logger="lms.local.timers"):
        run_for(2.2, TimerScheduler(timers_of(fail_first)))
    assert len(calls) >= 2
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info is not None


def test_occurrences_missed_during_a_long_run_collapse_into_one_past_due_run(
    sqlite_database: None,
) -> None:
    seen: list[func.TimerRequest] = []

    def slow_first(timer: func.TimerRequest) -> None:
        seen.append(timer)
        if len(seen) == 1:
            time.sleep(2.5)

    run_for(3.8, TimerScheduler(timers_of(slow_first)))
    assert len(seen) >= 2
    first, second = occurrence_of(seen[0]), occurrence_of(seen[1])
    assert seen[1].past_due is True
    assert second - first >= timedelta(seconds=2)


def test_stop_returns_promptly_while_waiting_for_a_distant_occurrence(
    sqlite_database: None,
) -> None:
    scheduler = TimerScheduler(timers_of(lambda timer: None, schedule="0 0 0 1 1 *"))
    scheduler.start()
    started = time.monotonic()
    scheduler.stop()
    assert time.monotonic() - started < 1


def test_a_schedule_azure_would_refuse_is_refused_naming_the_timer(sqlite_database: None) -> None:
    with pytest.raises(CronScheduleError, match=r"timer tick: '\*/5 \* \* \* \*' has 5 fields"):
        TimerScheduler(timers_of(lambda timer: None, schedule="*/5 * * * *"))
