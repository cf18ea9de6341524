"""Which database errors mean "the database is unavailable": try again later, not a bug.

A request that meets one answers 503 with Retry-After (shared/http/errors.py), and the rate
limiter and the lockout counter let the request through rather than fail it. Everything else
(an IntegrityError, a ProgrammingError) stays what it is.

Unavailable: the pool had no connection in time; the driver lost or never got a connection
(PEP 249 OperationalError and InterfaceError: refused, reset, timed out, TLS refused, closed);
SQLAlchemy saw a disconnect; PostgreSQL refused or cancelled the work for reasons of its own
(SQLSTATE classes 08 connection, 53 resources such as too many connections, 57 operator
intervention such as statement_timeout or a shutdown, and 55P03 lock_timeout); and the
socket errors themselves, should one arrive unwrapped.
"""

from __future__ import annotations

import socket
import ssl
import time

from sqlalchemy import exc as sa

from shared.observability import metrics

UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
UNAVAILABLE_SQLSTATES = frozenset({"55P03"})
# PEP 249 names these two for faults of the connection rather than of the statement.
_DRIVER_MODULES = ("pg8000", "sqlite3")
_DRIVER_FAULTS = frozenset({"OperationalError", "InterfaceError"})


# After the database was found unavailable, the counters that fail open (rate limits,
# lockout) skip it for this long instead of each waiting out its own timeout first: a request
# then costs one timeout (its own statement's), not three. Per process; the request's own
# statement still tries, so a database back up is found at the next request anyway.
SKIP_COUNTERS_SECONDS = 5.0
_unavailable_at: float | None = None


def note_unavailable() -> None:
    global _unavailable_at
    metrics.increment("lms_db_unavailable_total")
    _unavailable_at = time.monotonic()


def forget_unavailable() -> None:
    global _unavailable_at
    _unavailable_at = None


def counters_paused() -> bool:
    """Whether the fail-open counters should not try the database now."""
    noted = _unavailable_at
    return noted is not None and time.monotonic() - noted < SKIP_COUNTERS_SECONDS


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from, says the database cannot serve now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _means_unavailable(current):
            return True
        current = current.__cause__
    return False


def _means_unavailable(error: BaseException) -> bool:
    if isinstance(
        error, sa.TimeoutError | sa.DisconnectionError | sa.OperationalError | sa.InterfaceError
    ):
        return True
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, ConnectionError | TimeoutError | ssl.SSLError | socket.gaierror):
        return True
    kind = type(error)
    if kind.__name__ in _DRIVER_FAULTS and kind.__module__.startswith(_DRIVER_MODULES):
        return True
    state = sqlstate(error)
    return state is not None and (
        state in UNAVAILABLE_SQLSTATES or state.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    )


def sqlstate(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of a pg8000 error (its first argument is the server's fields)."""
    fields = error.args[0] if error.args else None
    if isinstance(fields, dict):
        code = fields.get("C")
        return code if isinstance(code, str) else None
    return None
