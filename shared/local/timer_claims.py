"""Claiming one occurrence of a timer, so it runs once across threads and `lms serve` processes.

The Functions host holds a blob lease per timer; the local host uses the timer_schedules row.
A claim is one conditional UPDATE: it moves last_occurrence_at forward and takes the lock only
if no one claimed this (or a later) occurrence and no run holds an unexpired lock. The
database evaluates that condition under the row lock (PostgreSQL re-checks it after waiting;
SQLite serialises writers), so of several claimants exactly one sees a row count of 1.
A missing row is inserted already claimed; the primary key turns a concurrent insert into a
lost claim. The lock expires on its own when a process dies mid-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared.domain.timers import TimerSchedule

TIMERS = cast(Table, TimerSchedule.__table__)


@dataclass(frozen=True)
class Claim:
    name: str
    occurrence: datetime
    previous: datetime | None  # the occurrence claimed before this one, by anyone


def claim_occurrence(
    sessions: sessionmaker[Session],
    name: str,
    occurrence: datetime,
    *,
    owner: str,
    now: datetime,
    lock_for: timedelta,
) -> Claim | None:
    """Claim `occurrence` of timer `name` for `owner`; None when someone else has it."""
    row = TIMERS.c
    previous = _last_occurrence(sessions, name)
    # The write comes first: a SQLite transaction that read before writing cannot wait for
    # a concurrent writer (its snapshot is stale) and fails with "database is locked".
    with sessions() as session:
        result = session.connection().execute(
            update(TIMERS)
            .where(
                row.name == name,
                or_(row.last_occurrence_at.is_(None), row.last_occurrence_at < occurrence),
                or_(row.locked_until.is_(None), row.locked_until < now),
            )
            .values(last_occurrence_at=occurrence, locked_by=owner, locked_until=now + lock_for)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount == 1:
            session.commit()
            return Claim(name, occurrence, previous)
        exists = session.execute(select(row.name).where(row.name == name)).first()
        if exists is not None:
            return None
        try:
            session.connection().execute(
                insert(TIMERS).values(
                    name=name,
                    last_occurrence_at=occurrence,
                    locked_by=owner,
                    locked_until=now + lock_for,
                )
            )
            session.commit()
        except IntegrityError:
            return None  # another claimant inserted the row first: the occurrence is theirs
        return Claim(name, occurrence, None)


def _last_occurrence(sessions: sessionmaker[Session], name: str) -> datetime | None:
    row = TIMERS.c
    with sessions() as session:
        value: datetime | None = session.execute(
            select(row.last_occurrence_at).where(row.name == name)
        ).scalar_one_or_none()
        return value


def release(sessions: sessionmaker[Session], name: str, *, owner: str) -> None:
    """Drop `owner`'s lock on timer `name` (a no-op if it expired and someone else took it)."""
    row = TIMERS.c
    with sessions.begin() as session:
        session.connection().execute(
            update(TIMERS)
            .where(row.name == name, row.locked_by == owner)
            .values(locked_by=None, locked_until=None)
        )
