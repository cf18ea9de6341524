"""The timers' last runs and the consumers' beats, written where they run, in both worlds.

    with timer_run(deps, "outbox_sweep"):   # in a timer function's body
        ...

    consumer_beats.beat(deps, "emails")     # a queue consumer, alive (at most every 30 s)

A timer records each run's outcome, success or failure, in `worker_heartbeats` (and counts it
in lms_timer_runs_total). A queue's consumers beat when they handle a message and, under
`lms serve`, while they wait for one; on Azure an idle Service Bus trigger does not run, so
"consumers down" is an old beat *while messages wait*. One row per timer and per queue,
whichever instance wrote last: a figure true across all instances, read by /ready and
/metrics. A write that fails (the database is down) is logged and never fails the work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from shared.db import upsert_insert
from shared.domain.heartbeats import WorkerHeartbeat
from shared.observability import metrics
from shared.observability.logging import redact

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.heartbeats")

TIMER = "timer"
CONSUMER = "consumer"
CONSUMER_BEAT_SECONDS = 30.0


@dataclass(frozen=True)
class Heartbeat:
    kind: str
    name: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None


def record(
    sessions: sessionmaker[Session],
    kind: str,
    name: str,
    now: datetime,
    error: str | None = None,
) -> None:
    """Write one success (error None) or failure of `kind` `name` at `now`."""
    values = (
        {"last_success_at": now}
        if error is None
        else {"last_failure_at": now, "last_error": redact(error)[:500]}
    )
    with sessions.begin() as session:
        insert = upsert_insert(session)
        statement = insert(WorkerHeartbeat).values(kind=kind, name=name, **values)
        session.execute(
            statement.on_conflict_do_update(index_elements=["kind", "name"], set_=values)
        )


def read_all(session: Session) -> list[Heartbeat]:
    rows = session.execute(
        select(
            WorkerHeartbeat.kind,
            WorkerHeartbeat.name,
            WorkerHeartbeat.last_success_at,
            WorkerHeartbeat.last_failure_at,
            WorkerHeartbeat.last_error,
        ).order_by(WorkerHeartbeat.kind, WorkerHeartbeat.name)
    ).all()
    return [Heartbeat(*row) for row in rows]


def _record_quietly(deps: Dependencies, kind: str, name: str, error: str | None = None) -> None:
    try:
        record(deps.sessions, kind, name, deps.clock(), error)
    except Exception as exc:
        log.warning("%s %s: its heartbeat was not recorded (%s)", kind, name, type(exc).__name__)


@contextmanager
def timer_run(deps: Dependencies, name: str) -> Iterator[None]:
    """Record the outcome of the timer run in the block; what it raises goes on."""
    try:
        yield
    except Exception as exc:
        metrics.increment("lms_timer_runs_total", timer=name, result="failure")
        _record_quietly(deps, TIMER, name, f"{type(exc).__name__}: {exc}")
        raise
    metrics.increment("lms_timer_runs_total", timer=name, result="success")
    _record_quietly(deps, TIMER, name)


class ConsumerBeats:
    """Beats of this process's consumers, written at most once per interval per queue."""

    def __init__(self, interval_seconds: float = CONSUMER_BEAT_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def beat(self, deps: Dependencies, queue: str) -> None:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(queue)
            if last is not None and now - last < self.interval_seconds:
                return
            self._last[queue] = now
        _record_quietly(deps, CONSUMER, queue)

    def forget(self) -> None:
        with self._lock:
            self._last.clear()


consumer_beats = ConsumerBeats()
