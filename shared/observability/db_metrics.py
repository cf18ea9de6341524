"""The connection pool and slow statements, counted from SQLAlchemy's events.

In use and open connections are live gauges (summed over the host's processes); statements
slower than DB_SLOW_QUERY_MS are counted. Each event adds to a number in memory: no query,
no I/O. Server-wide figures (connections from every instance, max_connections) are read at
scrape time instead (shared/services/operations_figures.py).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event

from shared.observability import metrics


def instrument_engine(engine: Engine, slow_query_ms: int) -> Engine:
    event.listen(engine, "connect", _opened)
    event.listen(engine, "close", _closed)
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _checked_in)
    if slow_query_ms > 0:
        threshold = slow_query_ms / 1000

        def started(
            _conn: Any, _cursor: Any, _sql: Any, _params: Any, context: Any, _m: Any
        ) -> None:
            if context is not None:
                context.lms_started = time.perf_counter()

        def ended(*args: Any) -> None:
            began = getattr(args[4], "lms_started", None)
            if began is not None and time.perf_counter() - began > threshold:
                metrics.increment("lms_db_slow_queries_total")

        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", ended)
    return engine


def _opened(*_: Any) -> None:
    metrics.increment("lms_db_connections_opened_total")
    metrics.add_to_gauge("lms_db_pool_connections_open", 1)


def _closed(*_: Any) -> None:
    metrics.add_to_gauge("lms_db_pool_connections_open", -1)


def _checked_out(*_: Any) -> None:
    metrics.add_to_gauge("lms_db_pool_connections_in_use", 1)


def _checked_in(*_: Any) -> None:
    metrics.add_to_gauge("lms_db_pool_connections_in_use", -1)
