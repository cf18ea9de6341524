"""Checking a password under the lockout rules, for sign-in and for confirming a sensitive change.

Order: the attempt is reserved on the account's counter first, in a statement committed on
its own (an attempt beyond the account's budget answers 429 before any password is looked at,
however many arrive at once), then the password, then the account's state, so a password
guesser learns nothing about an account (disabled, unverified, MFA) from a wrong guess. A right
password gives its reservation back; a wrong one keeps it and counts for the client IP too,
whose throttle turns the 401 into a 429 (shared/security/lockout.py says why it never refuses
a right password). An unknown e-mail address costs the same hashing time as a known one and
counts like any other.

Argon2 takes ~25 ms and 19 MiB at the defaults: it runs outside any transaction so no connection or
(on SQLite) write lock is held while it does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import select, update

from shared.config import Settings
from shared.db_faults import counters_paused, is_database_unavailable, note_unavailable
from shared.domain.errors import AuthenticationRequiredError
from shared.domain.users import User
from shared.observability import metrics
from shared.security import lockout
from shared.services.identity.accounts import normalize_email

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.lockout")
INVALID_CREDENTIALS = "Invalid email or password"
INVALID_PASSWORD = "Invalid password"  # noqa: S105 (a message)


def check_sign_in_password(
    deps: Dependencies, *, email: str, password: str, client_ip: str | None
) -> uuid.UUID:
    """The id of the user `email` and `password` belong to; 401 (and a counted failure) if
    none, 429 while locked."""
    now = deps.clock()
    address = normalize_email(email)
    try:
        attempts = _reserve(deps, address, now)
    except lockout.AccountLockedError:
        metrics.increment("auth_failed_login_attempts_total")
        raise
    with deps.uow() as uow:
        row = uow.session.execute(
            select(User.id, User.password_hash).where(User.email == address)
        ).one_or_none()
    if row is None:
        deps.passwords.burn_verification_time(password)
    elif deps.passwords.verify(row.password_hash, password):
        _release(deps, address)
        user_id = uuid.UUID(str(row.id))
        if deps.passwords.needs_rehash(row.password_hash):
            _rehash(deps, user_id, row.password_hash, password)
        return user_id
    metrics.increment("auth_failed_login_attempts_total")
    if attempts == deps.settings.MAX_FAILED_LOGIN_ATTEMPTS:
        metrics.increment("auth_account_lockouts_total")  # this failure was the budget's last
    _fail(deps, client_ip, now, INVALID_CREDENTIALS)


def _rehash(deps: Dependencies, user_id: uuid.UUID, old_hash: str, password: str) -> None:
    """Store the password hashed with the current parameters (the settings changed since it
    was stored). Only over the hash just checked: a password changed meanwhile stays."""
    new_hash = deps.passwords.hash(password)
    with deps.uow() as uow:
        uow.session.execute(
            update(User)
            .where(User.id == user_id, User.password_hash == old_hash)
            .values(password_hash=new_hash)
        )
        uow.commit()


def confirm_password(
    deps: Dependencies,
    *,
    user_id: uuid.UUID,
    password: str,
    client_ip: str | None,
) -> None:
    """Re-check a signed-in user's password before a sensitive change (MFA, password).

    Counted like a sign-in: a stolen access token must not become a way to guess the password.
    """
    now = deps.clock()
    with deps.uow() as uow:
        row = uow.session.execute(
            select(User.email, User.password_hash).where(User.id == user_id)
        ).one_or_none()
    if row is None:
        raise AuthenticationRequiredError("Could not validate credentials")
    _reserve(deps, row.email, now)
    if not deps.passwords.verify(row.password_hash, password):
        _fail(deps, client_ip, now, INVALID_PASSWORD)
    _release(deps, row.email)


def ensure_can_sign_in(settings: Settings, user: User | None) -> User:
    """The user, if the account may receive tokens; 401 saying why not otherwise."""
    if user is None:
        raise AuthenticationRequiredError(INVALID_CREDENTIALS)
    if not user.is_active:
        raise AuthenticationRequiredError("User account is disabled")
    if settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN and user.email_verified_at is None:
        raise AuthenticationRequiredError("Email is not verified")
    return user


def _reserve(deps: Dependencies, email: str, now: datetime) -> int | None:
    """The attempts counted on the account in its window, this one included (None: uncounted)."""
    # Committed before the password is checked, so parallel guesses see each other's counts.
    policy = lockout.LockoutPolicy.from_settings(deps.settings)
    if counters_paused():
        return None  # the database just failed: the lookup that follows finds out for itself
    attempts = None
    with _uncounted_when_unavailable("a sign-in attempt"), deps.uow() as uow:
        attempts = lockout.reserve_attempt(uow.session, policy, email=email, now=now)
        uow.commit()
    return attempts


def _release(deps: Dependencies, email: str) -> None:
    policy = lockout.LockoutPolicy.from_settings(deps.settings)
    if counters_paused():
        return
    with _uncounted_when_unavailable("a successful sign-in"), deps.uow() as uow:
        lockout.release_attempt(uow.session, policy, email=email)
        uow.commit()


def _fail(deps: Dependencies, client_ip: str | None, now: datetime, message: str) -> NoReturn:
    """The account's failure is already counted (its reservation); count the client's and
    answer 401, or 429 while the client is throttled."""
    policy = lockout.LockoutPolicy.from_settings(deps.settings)
    throttled_for = None
    if not counters_paused():
        with _uncounted_when_unavailable("a failed sign-in"), deps.uow() as uow:
            throttled_for = lockout.count_client_failure(
                uow.session, policy, client_ip=client_ip, now=now
            )
            uow.commit()
    if throttled_for is not None:
        raise lockout.ClientThrottledError(retry_after=throttled_for)
    raise AuthenticationRequiredError(message)


@contextmanager
def _uncounted_when_unavailable(what: str) -> Iterator[None]:
    """Fail open, like the rate limiter: a database that cannot count now (a timeout, a lock
    held too long) must not turn a sign-in into a 503; the lookup that follows still needs the
    database, so a database that is down answers 503 there."""
    try:
        yield
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        note_unavailable()
        metrics.increment("lms_state_store_uncounted_total", counter="lockout")
        log.warning(
            "lockout: the database did not answer, so %s went uncounted (%s); "
            "check DATABASE_URL and the database's load",
            what,
            type(exc).__name__,
        )
