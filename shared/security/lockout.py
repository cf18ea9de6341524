"""Failed sign-ins, counted in the database: a lock per account, a throttle per client IP.

Every Function instance counts in the same rows of `login_failures`, one per key
(`email:<normalized address>`, `ip:<address>`), each changed by one atomic upsert.

The two counters answer different questions:

- The account lock (MAX_FAILED_LOGIN_ATTEMPTS per address, known or not, within
  ACCOUNT_LOCKOUT_DURATION_SECONDS from the window's first attempt) stops guessing one
  account's password from anywhere. Its attempt is *reserved* before the password is checked:
  one committed statement adds 1 and returns the count, so N parallel guesses count N and only
  the first `limit` are checked; the rest, the right password among them, answer 429 until the
  lock ends. A right password releases its reservation. The lock's end is fixed when it
  starts: attempts refused meanwhile are counted but do not extend it.
- The IP throttle (MAX_FAILED_LOGIN_ATTEMPTS_PER_IP failures within LOGIN_IP_THROTTLE_SECONDS)
  slows one client spraying many addresses. It never refuses a right password for an account
  that is not itself locked: one office or campus NAT shares an address with the attacker, and
  the admin behind it must still sign in. So it is counted after the check, and a throttled
  client's wrong passwords and unknown addresses answer 429 with Retry-After (the end of its
  window) instead of 401, which tells a well-behaved client to back off; the request budget
  per IP (AUTH_RATE_LIMIT_*) is what caps its rate. A client elsewhere is never affected.

A lock or throttle answers 429 with Retry-After (the reference answered 401, which clients
cannot tell from a wrong password, and locked every account behind a sprayed IP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, case, delete, literal, select, update
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db import upsert_insert
from shared.domain.base import UtcDateTime
from shared.domain.errors import RateLimitExceededError
from shared.domain.throttling import LoginFailure

LOCKED_MESSAGE = (
    "Account temporarily locked due to multiple failed login attempts. Please try again later."
)
THROTTLED_MESSAGE = (
    "Too many failed sign-ins from your network. Wait for the time in Retry-After, then try again."
)


class AccountLockedError(RateLimitExceededError):
    """Sign-in refused because the account (its e-mail address) is locked."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(LOCKED_MESSAGE, retry_after)


class ClientThrottledError(RateLimitExceededError):
    """A failed sign-in from a client IP that has failed too often recently."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(THROTTLED_MESSAGE, retry_after)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures_per_email: int
    max_failures_per_ip: int
    duration: timedelta
    ip_window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        return cls(
            max_failures_per_email=settings.MAX_FAILED_LOGIN_ATTEMPTS,
            max_failures_per_ip=settings.MAX_FAILED_LOGIN_ATTEMPTS_PER_IP,
            duration=timedelta(seconds=settings.ACCOUNT_LOCKOUT_DURATION_SECONDS),
            ip_window=timedelta(seconds=settings.LOGIN_IP_THROTTLE_SECONDS),
        )


def email_key(normalized_email: str) -> str:
    return f"email:{normalized_email}"


def ip_key(address: str) -> str:
    return f"ip:{address}"


def ensure_not_locked(session: Session, *, email: str, now: datetime) -> None:
    """Raise AccountLockedError while the account `email` (normalized) is locked."""
    until = session.scalar(
        select(LoginFailure.locked_until).where(
            LoginFailure.key == email_key(email), LoginFailure.locked_until > now
        )
    )
    if until is not None:
        raise AccountLockedError(retry_after=_seconds_until(until, now))


def reserve_attempt(session: Session, policy: LockoutPolicy, *, email: str, now: datetime) -> int:
    """Count one attempt on the account before its password is checked; AccountLockedError if
    it is beyond the budget. The caller commits at once, before it checks anything.

    Returns the attempts counted in the window, this one included: when this one then proves
    wrong and it is the budget's last, the account is now locked."""
    counted = _count(session, email_key(email), policy.max_failures_per_email, policy.duration, now)
    if counted.failures > policy.max_failures_per_email:
        ends = counted.locked_until or counted.window_started_at + policy.duration
        raise AccountLockedError(retry_after=_seconds_until(ends, now))
    return counted.failures


def release_attempt(session: Session, policy: LockoutPolicy, *, email: str) -> None:
    """Give back the attempt reserved for a password that proved right.

    Below the threshold again, the lock the reservation may have started is lifted with it.
    """
    table = LoginFailure.__table__.c
    remaining = case((table.failures > 0, table.failures - 1), else_=literal(0))
    session.execute(
        update(LoginFailure)
        .where(LoginFailure.key == email_key(email))
        .values(
            failures=remaining,
            locked_until=case(
                (remaining < policy.max_failures_per_email, None), else_=table.locked_until
            ),
        )
    )


def record_failure(
    session: Session,
    policy: LockoutPolicy,
    *,
    email: str,
    client_ip: str | None,
    now: datetime,
) -> None:
    """Count one failed attempt for the account and, when known, the client IP (the MFA code
    step, whose attempts are serialized by the user's row lock, so need no reservation)."""
    _count(session, email_key(email), policy.max_failures_per_email, policy.duration, now)
    count_client_failure(session, policy, client_ip=client_ip, now=now)


def count_client_failure(
    session: Session, policy: LockoutPolicy, *, client_ip: str | None, now: datetime
) -> int | None:
    """Count a failure for the client IP; the seconds it stays throttled, or None if it is not.

    `client_ip` None (no trusted proxy named one) counts nothing: every such client would share
    one counter, and one sprayer would throttle them all.
    """
    if not client_ip:
        return None
    counted = _count(session, ip_key(client_ip), None, policy.ip_window, now)
    if counted.failures <= policy.max_failures_per_ip:
        return None
    return _seconds_until(counted.window_started_at + policy.ip_window, now)


def clear(session: Session, *, email: str) -> None:
    """Forget the address's failures after a successful sign-in.

    The IP counter stays: clearing it would let anyone holding one valid account reset the
    budget of the address they guess other accounts from.
    """
    session.execute(delete(LoginFailure).where(LoginFailure.key == email_key(email)))


def failures_of(session: Session, key: str) -> int:
    """The failures counted for `key` in its current window (0 when none)."""
    return session.scalar(select(LoginFailure.failures).where(LoginFailure.key == key)) or 0


class _Counted(NamedTuple):
    failures: int
    window_started_at: datetime
    locked_until: datetime | None


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _count(
    session: Session, key: str, threshold: int | None, window: timedelta, now: datetime
) -> _Counted:
    """Add one to `key` in one atomic upsert; its failures and lock end after it.

    A window that is over starts again at 1, unless a lock is still running: its attempts keep
    counting and the lock keeps its end. `threshold` None never locks (the IP counter).
    """
    table = LoginFailure.__table__.c
    locked = table.locked_until > literal(now, UtcDateTime())
    stale = table.window_started_at <= literal(now - window, UtcDateTime())
    failures = case((locked, table.failures + 1), (stale, literal(1)), else_=table.failures + 1)
    lock_until = literal(now + window, UtcDateTime())
    new_lock: ColumnElement[datetime | None]
    if threshold is None:
        new_lock = literal(None, UtcDateTime())
    else:
        new_lock = case((locked, table.locked_until), (failures >= threshold, lock_until))
    statement = (
        upsert_insert(session)(LoginFailure)
        .values(
            key=key,
            failures=1,
            window_started_at=now,
            locked_until=now + window if threshold is not None and threshold <= 1 else None,
        )
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": failures,
                "window_started_at": case(
                    (locked, table.window_started_at),
                    (stale, literal(now, UtcDateTime())),
                    else_=table.window_started_at,
                ),
                "locked_until": new_lock,
            },
        )
        .returning(LoginFailure.failures, LoginFailure.window_started_at, LoginFailure.locked_until)
    )
    row = session.execute(statement).one()
    return _Counted(int(row.failures), row.window_started_at, row.locked_until)
