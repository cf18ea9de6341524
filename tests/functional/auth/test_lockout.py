"""Account lockout at sign-in: per address, per client IP, 429 with Retry-After.

The clock tests set the time with the `clock` fixture and call the service; the endpoint
tests use the real clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import bootstrap
from shared.schemas.auth import AuthOut
from shared.security.lockout import AccountLockedError
from shared.services.identity import sign_in as auth
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.auth.conftest import PASSWORD, login, register

pytestmark = pytest.mark.usefixtures("database_url")

LOCKED = "Account temporarily locked due to multiple failed login attempts. Please try again later."
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


def test_fifty_failures_from_one_ip_across_many_addresses_lock_that_ip() -> None:
    register()
    for n in range(50):
        assert login(f"guess{n}@example.org", "guess", from_ip("198.51.100.7")).status_code == 401
    locked = login(headers=from_ip("198.51.100.7"))
    assert locked.status_code == 429
    assert json_of(locked)["detail"] == LOCKED
    assert login(headers=from_ip("198.51.100.8")).status_code == 200


def test_a_forged_leftmost_forwarded_entry_does_not_change_the_counted_ip() -> None:
    register()
    for n in range(50):
        headers = from_ip("198.51.100.7", forged=f"10.0.{n}.1")
        assert login(f"guess{n}@example.org", "guess", headers).status_code == 401
    response = login(headers=from_ip("198.51.100.7", forged="192.0.2.200"))
    assert response.status_code == 429


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
