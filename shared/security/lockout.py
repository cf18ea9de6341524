"""Account lockout: failed sign-ins counted per e-mail address and per client IP, in the database.

Every Function instance counts in the same rows of `login_failures`, one per key
(`email:<normalized address>`, `ip:<address>`), and each failure changes its row with one
atomic upsert, so concurrent failures are never lost.

A key with `threshold` failures within the window (ACCOUNT_LOCKOUT_DURATION_SECONDS, counted
from the window's first failure) is locked for that same duration: 5 per e-mail address,
MAX_FAILED_LOGIN_ATTEMPTS_PER_IP per client address (one office or campus NAT shares an
address, hence the larger number). Callers check the lock before they check a password or a
code, and do not count refused attempts, so a lock ends on time whatever is still being sent.

A locked key answers 429 with Retry-After (the reference answered 401, which clients cannot
tell from a wrong password).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db import upsert_insert
from shared.domain.base import UtcDateTime
from shared.domain.errors import RateLimitExceededError
from shared.domain.throttling import LoginFailure

LOCKED_MESSAGE = (
    "Account temporarily locked due to multiple failed login attempts. Please try again later."
)


class AccountLockedError(RateLimitExceededError):
    """Sign-in refused because the e-mail address or the client address is locked."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(LOCKED_MESSAGE, retry_after)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures_per_email: int
    max_failures_per_ip: int
    duration: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        return cls(
            max_failures_per_email=settings.MAX_FAILED_LOGIN_ATTEMPTS,
            max_failures_per_ip=settings.MAX_FAILED_LOGIN_ATTEMPTS_PER_IP,
            duration=timedelta(seconds=settings.ACCOUNT_LOCKOUT_DURATION_SECONDS),
        )


def email_key(normalized_email: str) -> str:
    return f"email:{normalized_email}"


def ip_key(address: str) -> str:
    return f"ip:{address}"


def ensure_not_locked(
    session: Session, *, email: str, client_ip: str | None, now: datetime
) -> None:
    """Raise AccountLockedError while the address or the client IP is locked.

    `email` is normalized; `client_ip` None (no trusted proxy named one) checks the e-mail only.
    """
    keys = [email_key(email)] + ([ip_key(client_ip)] if client_ip else [])
    locks = session.scalars(
        select(LoginFailure.locked_until).where(
            LoginFailure.key.in_(keys), LoginFailure.locked_until > now
        )
    ).all()
    ends = [until for until in locks if until is not None and until > now]
    if ends:
        raise AccountLockedError(retry_after=math.ceil((max(ends) - now).total_seconds()))


def record_failure(
    session: Session,
    policy: LockoutPolicy,
    *,
    email: str,
    client_ip: str | None,
    now: datetime,
) -> None:
    """Count one failed sign-in for the address and, when known, the client IP.

    Runs in the caller's transaction; the caller commits it even though the sign-in fails.
    """
    _count(session, email_key(email), policy.max_failures_per_email, policy.duration, now)
    if client_ip:
        _count(session, ip_key(client_ip), policy.max_failures_per_ip, policy.duration, now)


def clear(session: Session, *, email: str) -> None:
    """Forget the address's failures after a successful sign-in.

    The IP counter stays: clearing it would let anyone holding one valid account reset the
    budget of the address they guess other accounts from.
    """
    session.execute(delete(LoginFailure).where(LoginFailure.key == email_key(email)))


def failures_of(session: Session, key: str) -> int:
    """The failures counted for `key` in its current window (0 when none)."""
    return session.scalar(select(LoginFailure.failures).where(LoginFailure.key == key)) or 0


def _count(session: Session, key: str, threshold: int, window: timedelta, now: datetime) -> None:
    table = LoginFailure.__table__.c
    stale = table.window_started_at <= now - window
    failures = case((stale, literal(1)), else_=table.failures + 1)
    lock_until = literal(now + window, UtcDateTime())
    statement = (
        upsert_insert(session)(LoginFailure)
        .values(
            key=key,
            failures=1,
            window_started_at=now,
            locked_until=now + window if threshold <= 1 else None,
        )
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": failures,
                "window_started_at": case(
                    (stale, literal(now, UtcDateTime())), else_=table.window_started_at
                ),
                "locked_until": case((failures >= threshold, lock_until), else_=table.locked_until),
            },
        )
    )
    session.execute(statement)
