"""Failed sign-in counters and locks in login_failures, on SQLite and PostgreSQL, with a fake
clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import RateLimitExceededError
from shared.http.errors import status_for
from shared.security import lockout
from shared.security.lockout import AccountLockedError, LockoutPolicy
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]

POLICY = LockoutPolicy(
    max_failures_per_email=5,
    max_failures_per_ip=50,
    duration=timedelta(seconds=900),
    ip_window=timedelta(seconds=300),
)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EMAIL = "ada@example.org"


def fail(
    times: int = 1,
    *,
    at: datetime = T0,
    email: str = EMAIL,
    client_ip: str | None = None,
    policy: LockoutPolicy = POLICY,
) -> None:
    with unit_of_work() as uow:
        for _ in range(times):
            lockout.record_failure(uow.session, policy, email=email, client_ip=client_ip, now=at)
        uow.commit()


def check(at: datetime, *, email: str = EMAIL) -> None:
    with unit_of_work() as uow:
        lockout.ensure_not_locked(uow.session, email=email, now=at)


def reserve(at: datetime = T0, *, email: str = EMAIL) -> None:
    with unit_of_work() as uow:
        try:
            lockout.reserve_attempt(uow.session, POLICY, email=email, now=at)
        finally:
            uow.commit()  # a refused reservation is counted too


def release(email: str = EMAIL) -> None:
    with unit_of_work() as uow:
        lockout.release_attempt(uow.session, POLICY, email=email)
        uow.commit()


def client_failure(at: datetime = T0, client_ip: str = "198.51.100.7") -> int | None:
    with unit_of_work() as uow:
        throttled_for = lockout.count_client_failure(
            uow.session, POLICY, client_ip=client_ip, now=at
        )
        uow.commit()
        return throttled_for


def failures(key: str) -> int:
    with unit_of_work() as uow:
        return lockout.failures_of(uow.session, key)


def test_four_failures_do_not_lock() -> None:
    fail(4)
    check(T0)
    assert failures("email:ada@example.org") == 4


def test_the_fifth_failure_locks_the_address_for_900_seconds() -> None:
    fail(5)
    with pytest.raises(AccountLockedError) as caught:
        check(T0)
    assert caught.value.retry_after == 900
    assert caught.value.detail == (
        "Account temporarily locked due to multiple failed login attempts. Please try again later."
    )


def test_a_lock_answers_429_with_retry_after() -> None:
    error = AccountLockedError(retry_after=42)
    assert isinstance(error, RateLimitExceededError)
    assert status_for(error) == (429, {"Retry-After": "42"})


def test_retry_after_counts_down_and_the_lock_lifts_at_the_end_of_the_window() -> None:
    fail(5)
    with pytest.raises(AccountLockedError) as caught:
        check(T0 + timedelta(seconds=600))
    assert caught.value.retry_after == 300
    with pytest.raises(AccountLockedError) as caught:
        check(T0 + timedelta(seconds=899, microseconds=500_000))
    assert caught.value.retry_after == 1
    check(T0 + timedelta(seconds=900))


def test_failures_older_than_the_window_start_a_new_count() -> None:
    fail(4, at=T0)
    fail(1, at=T0 + timedelta(seconds=900))
    check(T0 + timedelta(seconds=900))
    assert failures("email:ada@example.org") == 1


def test_failures_within_the_window_add_up_across_calls() -> None:
    for second in range(0, 500, 100):
        fail(at=T0 + timedelta(seconds=second))
    with pytest.raises(AccountLockedError) as caught:
        check(T0 + timedelta(seconds=400))
    # Locked for the full duration from the failure that reached the threshold.
    assert caught.value.retry_after == 900


def test_an_address_lock_does_not_touch_other_addresses() -> None:
    fail(5)
    check(T0, email="bob@example.org")


def test_ip_failures_lock_no_account_however_many_addresses_they_spread_over() -> None:
    for n in range(60):
        fail(email=f"guess{n}@example.org", client_ip="198.51.100.7")
    check(T0, email="ada@example.org")
    assert failures("ip:198.51.100.7") == 60


def test_the_client_is_throttled_after_its_threshold_until_its_short_window_ends() -> None:
    for second in range(50):
        assert client_failure(T0 + timedelta(seconds=second)) is None
    assert client_failure(T0 + timedelta(seconds=60)) == 240
    assert client_failure(T0 + timedelta(seconds=60), client_ip="198.51.100.8") is None
    # The window began at the first failure: 300 s later the count starts again.
    assert client_failure(T0 + timedelta(seconds=300)) is None
    assert failures("ip:198.51.100.7") == 1


def test_the_sixth_reservation_within_the_window_is_refused_with_the_lock() -> None:
    for _ in range(5):
        reserve()
    with pytest.raises(AccountLockedError) as caught:
        reserve(T0 + timedelta(seconds=10))
    assert caught.value.retry_after == 890


def test_refused_reservations_do_not_move_the_end_of_the_lock() -> None:
    for _ in range(5):
        reserve()
    for second in (100, 500, 899):
        with pytest.raises(AccountLockedError):
            reserve(T0 + timedelta(seconds=second))
    reserve(T0 + timedelta(seconds=900))
    assert failures("email:ada@example.org") == 1


def test_releasing_the_reservation_that_reached_the_threshold_lifts_its_lock() -> None:
    for _ in range(5):
        reserve()
    release()
    check(T0)
    assert failures("email:ada@example.org") == 4
    reserve()
    with pytest.raises(AccountLockedError):
        reserve()


def test_no_client_ip_counts_the_address_only() -> None:
    fail(3, client_ip=None)
    assert failures("email:ada@example.org") == 3
    assert failures("ip:None") == 0


def test_clear_forgets_the_address_but_not_the_ip() -> None:
    fail(4, client_ip="198.51.100.7")
    with unit_of_work() as uow:
        lockout.clear(uow.session, email=EMAIL)
        uow.commit()
    assert failures("email:ada@example.org") == 0
    assert failures("ip:198.51.100.7") == 4


def test_a_threshold_of_one_locks_on_the_first_failure() -> None:
    strict = LockoutPolicy(
        max_failures_per_email=1,
        max_failures_per_ip=50,
        duration=timedelta(seconds=60),
        ip_window=timedelta(seconds=60),
    )
    fail(policy=strict)
    with pytest.raises(AccountLockedError):
        check(T0)


def test_concurrent_failures_are_all_counted() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: fail(client_ip="198.51.100.7"), range(24)))
    assert failures("email:ada@example.org") == 24
    assert failures("ip:198.51.100.7") == 24
