"""The unit of work keeps what a service commits and nothing else."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from shared import bootstrap
from shared.domain.timers import TimerSchedule
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres


def _names() -> set[str]:
    with unit_of_work() as uow:
        return set(uow.session.scalars(select(TimerSchedule.name)))


def test_a_committed_row_is_stored(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="kept"))
        uow.commit()
    assert _names() == {"kept"}


def test_a_row_not_committed_is_rolled_back(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="forgotten"))
        uow.session.flush()
    assert _names() == set()


def test_an_exception_inside_the_unit_rolls_everything_back(database_url: str) -> None:
    with pytest.raises(RuntimeError), unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="half-done"))
        uow.session.flush()
        raise RuntimeError("the service failed after its first write")
    assert _names() == set()


def test_datetimes_come_back_aware_and_in_utc(database_url: str) -> None:
    moment = datetime(2026, 11, 22, 20, 30, 5, tzinfo=UTC)
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="t", last_occurrence_at=moment))
        uow.commit()
    with unit_of_work() as uow:
        stored = uow.session.get(TimerSchedule, "t")
        assert stored is not None
        assert stored.last_occurrence_at == moment
        assert stored.last_occurrence_at.tzinfo is not None


def test_naive_datetimes_are_refused(database_url: str) -> None:
    with pytest.raises(StatementError, match="aware"), unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="n", last_occurrence_at=datetime(2026, 1, 1)))
        uow.commit()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: object) -> None:
    engine = bootstrap.current().engine
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_read_then_write_transactions_all_commit(database_url: str) -> None:
    # Each unit reads a counter and writes it back plus one: the pattern of most services.
    # On SQLite this fails with "database is locked" unless transactions begin IMMEDIATE.
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="counter", locked_by="0"))
        uow.commit()

    def bump(times: int) -> None:
        for _ in range(times):
            with unit_of_work() as uow:
                row = uow.session.scalars(
                    select(TimerSchedule).where(TimerSchedule.name == "counter").with_for_update()
                ).one()
                row.locked_by = str(int(row.locked_by or "0") + 1)
                uow.commit()

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with unit_of_work() as uow:
        assert uow.session.get(TimerSchedule, "counter").locked_by == "150"  # type: ignore[union-attr]


def test_a_read_only_unit_refuses_every_write_and_stores_nothing(database_url: str) -> None:
    from shared.messages.emails import WelcomeEmail
    from shared.uow import ReadOnlyError

    with unit_of_work(read_only=True) as uow:
        uow.session.add(TimerSchedule(name="sneaked"))
        with pytest.raises(ReadOnlyError):
            uow.session.flush()
        with pytest.raises(ReadOnlyError):
            uow.commit()
        with pytest.raises(ReadOnlyError):
            uow.publish(WelcomeEmail(to="a@example.com", full_name="A"))
    assert _names() == set()


def test_a_read_only_unit_on_postgresql_runs_each_statement_on_its_own(
    database_url: str,
) -> None:
    """No BEGIN/ROLLBACK round trips: each statement is its own transaction (on SQLite the
    unit keeps its one transaction)."""
    moment = "SELECT transaction_timestamp()"
    if not database_url.startswith("postgresql"):
        moment = "SELECT 1"
    with unit_of_work(read_only=True) as uow:
        first = uow.session.execute(text(moment)).scalar_one()
        second = uow.session.execute(text(moment)).scalar_one()
    assert (first != second) == database_url.startswith("postgresql")
    # The pooled connection goes back transactional: a later unit's writes still roll back.
    with unit_of_work() as uow:
        uow.session.add(TimerSchedule(name="forgotten"))
        uow.session.flush()
        assert uow.session.execute(text(moment)).scalar_one() is not None
    assert _names() == set()
