"""The timer scheduler, driven by a clock the tests move: each occurrence runs once across
schedulers on one database (SQLite, PostgreSQL), past-due runs collapse, failures are logged.

Timer functions are registered on real FunctionApps and read back through `functions_of`, as
`lms serve` reads them. Across processes: tests/e2e/test_timers_across_processes.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from shared import bootstrap, db_migrations
from shared.local.app_functions import TimerFunction, functions_of
from shared.local.ncrontab import CronScheduleError
from shared.local.timers import TimerScheduler
from tests.clock import ManualClock

pytestmark = pytest.mark.postgres

EVERY_SECOND = "* * * * * *"
START = datetime(2026, 11, 30, 8, 0, 0, 400_000, tzinfo=UTC)


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
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sqlite_database() -> None:
    """The per-test SQLite database the root conftest points DATABASE_URL at, migrated."""
    db_migrations.upgrade(bootstrap.current().settings.DATABASE_URL)


def scheduler(
    body: Callable[[func.TimerRequest], None], clock: ManualClock, **options: object
) -> TimerScheduler:
    schedule = str(options.pop("schedule", EVERY_SECOND))
    return TimerScheduler(
        timers_of(body, schedule),
        bootstrap.current().sessions,
        clock=clock,
        **options,  # type: ignore[arg-type]
    )


def test_two_schedulers_on_one_database_run_each_occurrence_once(
    database_url: str, clock: ManualClock
) -> None:
    runs: list[tuple[str, datetime]] = []

    def recorder(who: str) -> Callable[[func.TimerRequest], None]:
        return lambda timer: runs.append((who, occurrence_of(timer)))

    a = scheduler(recorder("a"), clock, owner="scheduler-a")
    b = scheduler(recorder("b"), clock, owner="scheduler-b")
    for n in range(4):
        clock.advance(seconds=1)
        first, second = (a, b) if n % 2 == 0 else (b, a)
        first.run_due(clock())
        second.run_due(clock())

    occurrences = sorted(occurrence for _, occurrence in runs)
    assert occurrences == [
        START.replace(microsecond=0) + timedelta(seconds=n) for n in (1, 2, 3, 4)
    ]
    assert {who for who, _ in runs} == {"a", "b"}, "both schedulers won some occurrences"


def test_nothing_runs_before_the_first_occurrence(
    sqlite_database: None, clock: ManualClock
) -> None:
    seen: list[func.TimerRequest] = []
    timers = scheduler(seen.append, clock)
    clock.advance(seconds=0.5)
    timers.run_due(clock())
    assert seen == []


def test_the_function_gets_a_timer_request_like_the_hosts(
    sqlite_database: None, clock: ManualClock
) -> None:
    seen: list[func.TimerRequest] = []
    timers = scheduler(seen.append, clock)
    for _ in range(2):
        clock.advance(seconds=1)
        timers.run_due(clock())
    first, second = seen
    assert first.past_due is False
    assert occurrence_of(first).microsecond == 0
    assert second.schedule_status["Last"] == first.schedule_status["Next"]
    assert second.schedule_status["LastUpdated"] == clock().isoformat()


def test_a_timer_that_raises_is_logged_and_runs_again_at_the_next_occurrence(
    sqlite_database: None, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[datetime] = []

    def fail_first(timer: func.TimerRequest) -> None:
        calls.append(occurrence_of(timer))
        if len(calls) == 1:
            raise RuntimeError("the sweep broke")

    timers = scheduler(fail_first, clock)
    with caplog.at_level(logging.ERROR, logger="lms.local.timers"):
        for _ in range(2):
            clock.advance(seconds=1)
            timers.run_due(clock())
    assert len(calls) == 2
    [failure] = [r for r in caplog.records if "failed" in r.getMessage()]
    assert failure.exc_info is not None


def test_occurrences_missed_during_a_long_run_collapse_into_one_past_due_run(
    sqlite_database: None, clock: ManualClock
) -> None:
    seen: list[func.TimerRequest] = []
    timers = scheduler(seen.append, clock)
    clock.advance(seconds=1)
    timers.run_due(clock())
    clock.advance(seconds=3.5)  # the run (or the machine) took three occurrences' time
    timers.run_due(clock())
    first, second = seen
    assert second.past_due is True
    assert occurrence_of(second) - occurrence_of(first) == timedelta(seconds=3)


def test_the_thread_runs_what_is_due_and_stops_promptly(
    sqlite_database: None, clock: ManualClock
) -> None:
    ran = threading.Event()
    timers = scheduler(lambda timer: ran.set(), clock, schedule="0 0 0 1 1 *")
    clock.set(datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC))  # past the new year's occurrence
    timers.start()
    try:
        assert ran.wait(10)
    finally:
        started = time.monotonic()
        timers.stop()  # now waiting for next new year
        assert time.monotonic() - started < 1


def test_a_schedule_azure_would_refuse_is_refused_naming_the_timer(
    sqlite_database: None, clock: ManualClock
) -> None:
    with pytest.raises(CronScheduleError, match=r"timer tick: '\*/5 \* \* \* \*' has 5 fields"):
        scheduler(lambda timer: None, clock, schedule="*/5 * * * *")
