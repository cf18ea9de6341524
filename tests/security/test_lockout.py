"""Account lockout at sign-in: per address, per client IP, 429 with Retry-After.

The clock tests set the time with the `clock` fixture and call the service; the endpoint
tests use the real clock.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import bootstrap
from shared.schemas.auth import AuthOut
from shared.security.lockout import AccountLockedError
from shared.services.identity import sign_in as auth
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.auth.conftest import (  # no_rate_limit: autouse, as in tests/functional/auth
    PASSWORD,
    login,
    no_rate_limit,  # noqa: F401
    register,
)

pytestmark = pytest.mark.usefixtures("database_url")

LOCKED = "Account temporarily locked due to multiple failed login attempts. Please try again later."
THROTTLED = (
    "Too many failed sign-ins from your network. Wait for the time in Retry-After, then try again."
)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def from_ip(address: str, forged: str | None = None) -> dict[str, str]:
    # One trusted hop (the default): the client is the rightmost entry.
    return {"X-Forwarded-For": f"{forged}, {address}" if forged else address}


def service_login(
    clock: ManualClock, password: str, now: datetime, email: str = "ada@example.org"
) -> Any:
    clock.set(now)
    return auth.login(bootstrap.current(), email=email, password=password, client_ip=None)


def test_five_failures_lock_the_account_with_429_and_retry_after() -> None:
    register()
    for _ in range(5):
        assert login(password="wrong password").status_code == 401
    response = login(password="wrong password")
    assert response.status_code == 429
    assert json_of(response)["detail"] == LOCKED
    assert 890 <= int(response.headers["Retry-After"]) <= 900


def test_a_correct_password_is_refused_while_locked() -> None:
    register()
    for _ in range(5):
        login(password="wrong password")
    assert login().status_code == 429


def test_the_lock_is_per_address_in_any_case() -> None:
    register()
    register("bob@example.org")
    for _ in range(5):
        login("ADA@example.org", "wrong password")
    assert login("ada@example.org").status_code == 429
    assert login("bob@example.org").status_code == 200


def test_the_token_grant_shares_the_lock() -> None:
    from urllib.parse import urlencode

    from tests.function_calls import call_http

    register()
    for _ in range(5):
        login(password="wrong password")
    response = call_http(
        "auth_token",
        "POST",
        "/api/v1/auth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode({"username": "ada@example.org", "password": PASSWORD}).encode(),
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_unknown_addresses_are_counted_and_locked_like_known_ones() -> None:
    for _ in range(5):
        login("nobody@example.org", "guess")
    assert login("nobody@example.org", "guess").status_code == 429


def test_a_successful_login_clears_the_address_counter() -> None:
    register()
    for _ in range(4):
        login(password="wrong password")
    assert login().status_code == 200
    for _ in range(4):
        login(password="wrong password")
    assert login().status_code == 200


def spray(address: str, times: int = 50, forged: bool = False) -> None:
    """`times` wrong sign-ins from `address`, each on another unknown e-mail address."""
    for n in range(times):
        headers = from_ip(address, forged=f"10.0.{n}.1" if forged else None)
        assert login(f"guess{n}@example.org", "guess", headers).status_code == 401


def test_fifty_failures_from_one_ip_throttle_its_next_failure_with_429_and_retry_after() -> None:
    spray("198.51.100.7")
    throttled = login("guess-next@example.org", "guess", from_ip("198.51.100.7"))
    assert throttled.status_code == 429
    assert json_of(throttled)["detail"] == THROTTLED
    assert 290 <= int(throttled.headers["Retry-After"]) <= 300


def test_a_right_password_signs_in_from_an_ip_that_sprayed_other_accounts() -> None:
    register("admin@example.org")
    spray("198.51.100.7")
    assert login("guess-next@example.org", "guess", from_ip("198.51.100.7")).status_code == 429
    assert login("admin@example.org", headers=from_ip("198.51.100.7")).status_code == 200


def test_a_throttled_ip_leaves_users_on_other_ips_alone() -> None:
    register()
    spray("198.51.100.7")
    assert login(password="typo", headers=from_ip("198.51.100.8")).status_code == 401
    assert login(headers=from_ip("198.51.100.8")).status_code == 200


def test_a_sprayed_ip_locks_no_account_but_the_account_lock_holds_from_every_ip() -> None:
    register()
    for n in range(5):
        assert login(password="wrong", headers=from_ip(f"203.0.113.{n}")).status_code == 401
    refused = login(headers=from_ip("203.0.113.200"))
    assert refused.status_code == 429
    assert json_of(refused)["detail"] == LOCKED


def test_a_forged_leftmost_forwarded_entry_does_not_change_the_counted_ip() -> None:
    spray("198.51.100.7", forged=True)
    response = login("guess-next@example.org", "guess", from_ip("198.51.100.7", "192.0.2.200"))
    assert response.status_code == 429


@pytest.mark.postgres
def test_twenty_parallel_wrong_passwords_get_five_checks_then_the_right_one_is_refused() -> None:
    register()
    barrier = threading.Barrier(20)

    def guess(n: int) -> int:
        barrier.wait()
        return login(password=f"wrong {n}", headers=from_ip(f"203.0.113.{n}")).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(guess, range(20)))
    # A 401 is a checked password; every other attempt was refused before its check.
    assert statuses == {401: 5, 429: 15}
    refused = login(headers=from_ip("198.51.100.9"))
    assert refused.status_code == 429
    assert json_of(refused)["detail"] == LOCKED


def test_the_lock_holds_until_the_window_ends_then_lifts(clock: ManualClock) -> None:
    register()
    for second in range(5):
        with pytest.raises(Exception, match="Invalid email or password"):
            service_login(clock, "wrong password", T0 + timedelta(seconds=second))
    locked_at = T0 + timedelta(seconds=4)
    with pytest.raises(AccountLockedError) as caught:
        service_login(clock, PASSWORD, locked_at + timedelta(seconds=899))
    assert caught.value.retry_after == 1
    assert isinstance(service_login(clock, PASSWORD, locked_at + timedelta(seconds=900)), AuthOut)


def test_failures_spread_over_more_than_the_window_do_not_lock(clock: ManualClock) -> None:
    register()
    for minute in (0, 5, 10, 14):
        with pytest.raises(Exception, match="Invalid email or password"):
            service_login(clock, "wrong password", T0 + timedelta(minutes=minute))
    # The window that began at T0 is over: this failure starts a new count of one.
    with pytest.raises(Exception, match="Invalid email or password"):
        service_login(clock, "wrong password", T0 + timedelta(minutes=15))
    assert isinstance(service_login(clock, PASSWORD, T0 + timedelta(minutes=16)), AuthOut)
