"""A unit of work on the test's database, for tests that write or read rows directly.

    with unit_of_work() as uow:
        uow.session.add(row)
        uow.commit()

It comes from the process's current dependencies (shared.bootstrap), so it sees the database
and clock the code under test sees. `relay=False` leaves published messages in the outbox.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from shared import bootstrap
from shared.domain.inbox import ProcessedMessage
from shared.uow import UnitOfWork


def unit_of_work(*, relay: bool = True, read_only: bool = False) -> UnitOfWork:
    deps = bootstrap.current()
    if relay or read_only:
        return deps.uow(read_only=read_only)
    return UnitOfWork(deps.sessions, clock=deps.clock)


def idle_transactions(uow: UnitOfWork) -> int:
    """How many other sessions of the test's PostgreSQL database wait idle in a transaction;
    0 on SQLite, which has no such view."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return 0
    return int(
        uow.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
            )
        )
        or 0
    )


def write_meanwhile() -> int:
    """Commit one row (on SQLite the write lock is needed, and an open transaction elsewhere
    holds it), then count the sessions idle in a transaction: for tests that call it while
    the code under test waits on something slow."""
    with unit_of_work() as uow:
        now = datetime.now(UTC)
        uow.session.add(
            ProcessedMessage(consumer="tests", message_id=uuid.uuid4().hex, processed_at=now)
        )
        uow.commit()
        return idle_transactions(uow)
