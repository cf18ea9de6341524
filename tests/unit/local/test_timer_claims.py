"""Claiming timer occurrences in timer_schedules, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shared import bootstrap
from shared.domain.timers import TimerSchedule
from shared.local.timer_claims import claim_occurrence, release
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
LOCK = timedelta(minutes=5)


def claim(occurrence: datetime, owner: str, now: datetime | None = None) -> bool:
    sessions = bootstrap.current().sessions
    found = claim_occurrence(
        sessions, "sweep", occurrence, owner=owner, now=now or occurrence, lock_for=LOCK
    )
    return found is not None


def row() -> TimerSchedule:
    with unit_of_work() as uow:
        found = uow.session.scalars(
            select(TimerSchedule).where(TimerSchedule.name == "sweep")
        ).one()
        uow.session.expunge(found)
        return found


@pytest.fixture(autouse=True)
def migrated(database_url: str) -> str:
    return database_url


def test_the_first_claim_of_an_occurrence_creates_the_row_and_holds_the_lock() -> None:
    assert claim(T0, "a")
    stored = row()
    assert stored.last_occurrence_at == T0
    assert stored.locked_by == "a"
    assert stored.locked_until == T0 + LOCK


def test_an_occurrence_is_claimed_once_even_after_the_lock_is_released() -> None:
    assert claim(T0, "a")
    release(bootstrap.current().sessions, "sweep", owner="a")
    assert not claim(T0, "b")


def test_the_next_occurrence_waits_for_the_running_one_to_release_its_lock() -> None:
    assert claim(T0, "a")
    assert not claim(T0 + timedelta(seconds=1), "b")
    release(bootstrap.current().sessions, "sweep", owner="a")
    assert claim(T0 + timedelta(seconds=2), "b")


def test_a_lock_left_by_a_dead_process_expires() -> None:
    assert claim(T0, "a")
    later = T0 + LOCK + timedelta(seconds=1)
    assert claim(later, "b", now=later)


def test_an_occurrence_older_than_the_last_claimed_one_is_refused() -> None:
    assert claim(T0 + timedelta(seconds=5), "a")
    release(bootstrap.current().sessions, "sweep", owner="a")
    assert not claim(T0 + timedelta(seconds=4), "b")


def test_the_claim_reports_the_previous_occurrence() -> None:
    first = claim_occurrence(
        bootstrap.current().sessions, "sweep", T0, owner="a", now=T0, lock_for=LOCK
    )
    assert first is not None and first.previous is None
    release(bootstrap.current().sessions, "sweep", owner="a")
    second = T0 + timedelta(minutes=1)
    found = claim_occurrence(
        bootstrap.current().sessions, "sweep", second, owner="a", now=second, lock_for=LOCK
    )
    assert found is not None and found.previous == T0


def test_releasing_someone_elses_lock_does_nothing() -> None:
    assert claim(T0, "a")
    release(bootstrap.current().sessions, "sweep", owner="b")
    assert row().locked_by == "a"


def test_of_many_simultaneous_claimants_exactly_one_wins() -> None:
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def contend(owner: str) -> None:
        barrier.wait()
        if claim(T0, owner):
            winners.append(owner)

    threads = [threading.Thread(target=contend, args=(f"owner-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert row().locked_by == winners[0]
