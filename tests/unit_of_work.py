"""A unit of work on the test's database, for tests that write or read rows directly.

    with unit_of_work() as uow:
        uow.session.add(row)
        uow.commit()

It comes from the process's current dependencies (shared.bootstrap), so it sees the database
and clock the code under test sees. `relay=False` leaves published messages in the outbox.
"""

from __future__ import annotations

from shared import bootstrap
from shared.uow import UnitOfWork


def unit_of_work(*, relay: bool = True, read_only: bool = False) -> UnitOfWork:
    deps = bootstrap.current()
    if relay or read_only:
        return deps.uow(read_only=read_only)
    return UnitOfWork(deps.sessions, clock=deps.clock)
