"""Rate-limit rules, fixed windows, and the shared counter on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from shared import bootstrap
from shared.config import Settings
from shared.domain.throttling import RateLimitCounter
from shared.security.rate_limits import (
    RateLimitRule,
    RateLimitStatus,
    Window,
    count_request,
    ip_client,
    rule_named,
    user_client,
    window_at,
)
from tests.clock import ManualClock
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres

MINUTE = RateLimitRule("default", limit=100, window_seconds=60)
NOON = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# --- windows


def test_a_window_starts_at_a_multiple_of_its_length_since_the_epoch() -> None:
    window = window_at(datetime(2025, 3, 1, 12, 34, 56, 789_000, tzinfo=UTC), 60)

    assert window == Window(
        datetime(2025, 3, 1, 12, 34, tzinfo=UTC), datetime(2025, 3, 1, 12, 35, tzinfo=UTC)
    )


def test_an_hour_window_starts_on_the_hour() -> None:
    window = window_at(datetime(2025, 3, 1, 12, 59, 59, tzinfo=UTC), 3600)

    assert (window.starts_at, window.ends_at) == (NOON, NOON + timedelta(hours=1))


def test_a_window_holds_its_first_instant_and_its_end_belongs_to_the_next() -> None:
    start = datetime(2025, 3, 1, 12, 34, tzinfo=UTC)
    end = start + timedelta(seconds=60)

    assert window_at(start, 60).starts_at == start
    assert window_at(end - timedelta(microseconds=1), 60).starts_at == start
    assert window_at(end, 60).starts_at == end


def test_windows_of_an_odd_length_line_up_on_the_epoch_whatever_the_instant() -> None:
    instants = [NOON + timedelta(seconds=s, microseconds=250) for s in range(0, 30)]

    windows = [window_at(t, 7) for t in instants]

    assert all(int(w.starts_at.timestamp()) % 7 == 0 for w in windows)
    assert all(w.starts_at <= t < w.ends_at for w, t in zip(windows, instants, strict=True))
    assert len({w.starts_at for w in windows}) in (5, 6)


def test_a_time_given_in_another_zone_falls_in_the_same_window() -> None:
    elsewhere = NOON.astimezone(timezone(timedelta(hours=2))) + timedelta(seconds=30)

    assert window_at(elsewhere, 60) == window_at(NOON + timedelta(seconds=30), 60)
    assert window_at(elsewhere, 60).starts_at.tzinfo == UTC


# --- where a client stands


def status(hits: int, now: datetime) -> RateLimitStatus:
    return RateLimitStatus(rule=MINUTE, hits=hits, window=window_at(now, 60), now=now)


def test_remaining_counts_down_and_stops_at_zero() -> None:
    assert [status(h, NOON).remaining for h in (1, 99, 100, 101, 250)] == [99, 1, 0, 0, 0]


def test_only_requests_past_the_limit_are_exceeded() -> None:
    assert not status(100, NOON).exceeded
    assert status(101, NOON).exceeded


def test_retry_after_rounds_up_to_the_window_end_and_is_never_zero() -> None:
    assert status(101, NOON + timedelta(seconds=15)).retry_after_seconds == 45
    assert status(101, NOON + timedelta(seconds=15, milliseconds=200)).retry_after_seconds == 45
    assert status(101, NOON).retry_after_seconds == 60
    assert status(101, NOON + timedelta(seconds=59, milliseconds=999)).retry_after_seconds == 1


def test_the_reset_is_the_window_end_in_epoch_seconds() -> None:
    assert status(1, NOON + timedelta(seconds=15)).resets_at_epoch == int(NOON.timestamp()) + 60


# --- rules and clients


def test_each_rule_takes_its_limit_and_window_from_the_settings() -> None:
    settings = Settings(
        RATE_LIMIT_REQUESTS_PER_MINUTE=7,
        RATE_LIMIT_WINDOW_SECONDS=30,
        AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE=5,
        AUTH_RATE_LIMIT_WINDOW_SECONDS=120,
        FILE_UPLOAD_RATE_LIMIT_REQUESTS_PER_HOUR=3,
        FILE_UPLOAD_RATE_LIMIT_WINDOW_SECONDS=600,
    )

    assert rule_named("default", settings) == RateLimitRule("default", 7, 30)
    assert rule_named("auth", settings) == RateLimitRule("auth", 5, 120)
    assert rule_named("upload", settings) == RateLimitRule("upload", 3, 600, per_user=True)


def test_the_defaults_are_the_references_limits() -> None:
    settings = Settings()

    assert rule_named("default", settings) == RateLimitRule("default", 100, 60)
    assert rule_named("auth", settings) == RateLimitRule("auth", 60, 60)
    assert rule_named("upload", settings) == RateLimitRule("upload", 100, 3600, per_user=True)


def test_an_unknown_rule_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'uploads' is not a rate limit rule; use one of"):
        rule_named("uploads", Settings())


def test_clients_are_keyed_by_address_or_user_and_unknown_addresses_share_one_key() -> None:
    user_id = uuid.UUID("0b9f5f2e-8f0e-4a52-9a59-1d1c1a0e7d11")

    assert ip_client("203.0.113.7") == "ip:203.0.113.7"
    assert ip_client("2001:db8::1") == "ip:2001:db8::1"
    assert ip_client(None) == "ip:unknown"
    assert user_client(user_id) == "user:0b9f5f2e-8f0e-4a52-9a59-1d1c1a0e7d11"


# --- the counter


def engine() -> Engine:
    """The engine of the test's database, which the counter takes a connection from."""
    return bootstrap.current().engine


def test_sqlite_here_is_new_enough_for_insert_on_conflict_returning() -> None:
    assert sqlite3.sqlite_version_info >= (3, 35, 0)


def test_each_request_adds_one_hit_and_returns_the_count(database_url: str) -> None:
    hits = [count_request(engine(), MINUTE, "ip:203.0.113.7", NOON).hits for _ in range(3)]

    assert hits == [1, 2, 3]


def test_budgets_are_separate_per_rule_and_per_client(database_url: str) -> None:
    auth = RateLimitRule("auth", limit=60, window_seconds=60)
    count_request(engine(), MINUTE, "ip:203.0.113.7", NOON)
    count_request(engine(), MINUTE, "ip:203.0.113.7", NOON)

    assert count_request(engine(), MINUTE, "ip:198.51.100.1", NOON).hits == 1
    assert count_request(engine(), auth, "ip:203.0.113.7", NOON).hits == 1
    assert count_request(engine(), MINUTE, "ip:203.0.113.7", NOON).hits == 3


def test_the_next_window_counts_from_one_again(database_url: str) -> None:
    for _ in range(3):
        count_request(engine(), MINUTE, "ip:203.0.113.7", NOON + timedelta(seconds=59))

    later = count_request(engine(), MINUTE, "ip:203.0.113.7", NOON + timedelta(seconds=60))

    assert later.hits == 1
    assert later.window.starts_at == NOON + timedelta(seconds=60)


def test_one_row_per_rule_client_and_window_records_where_the_window_ends(
    database_url: str,
) -> None:
    for seconds in (1, 30, 59):
        count_request(engine(), MINUTE, "ip:203.0.113.7", NOON + timedelta(seconds=seconds))

    with unit_of_work() as uow:
        [row] = uow.session.scalars(select(RateLimitCounter)).all()
        assert (row.rule, row.client, row.hits) == ("default", "ip:203.0.113.7", 3)
        assert (row.window_starts_at, row.window_ends_at) == (NOON, NOON + timedelta(seconds=60))


def test_concurrent_requests_are_each_counted_exactly_once(database_url: str) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        hits = list(
            pool.map(lambda _: count_request(engine(), MINUTE, "ip:unknown", NOON).hits, range(120))
        )

    # Every request saw a count of its own: no two read the same value and both wrote.
    assert sorted(hits) == list(range(1, 121))


def test_the_counter_counts_at_the_time_of_the_dependencies_clock(
    database_url: str, clock: ManualClock
) -> None:
    clock.set(NOON + timedelta(seconds=42))
    deps = bootstrap.current()

    counted = count_request(deps.engine, MINUTE, "ip:203.0.113.7", deps.clock())

    assert counted.now == NOON + timedelta(seconds=42)
    assert counted.window.starts_at == NOON


def test_a_database_without_the_counter_table_raises_for_the_caller_to_decide() -> None:
    # The autouse environment points at an empty, unmigrated SQLite file.
    with pytest.raises(SQLAlchemyError):
        count_request(engine(), MINUTE, "ip:203.0.113.7", NOON)
