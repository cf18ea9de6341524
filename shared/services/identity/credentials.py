"""Checking a password under the lockout rules, for sign-in and for confirming a sensitive change.

Order: the lock first (a locked address or client answers 429 before any password is looked
at), then the password, then the account's state, so a password guesser learns nothing about
an account (disabled, unverified, MFA) from a wrong guess. An unknown e-mail address costs the
same hashing time as a known one and counts as a failure like any other.

Argon2 takes ~25 ms and 19 MiB at the defaults: it runs outside any transaction so no connection or
(on SQLite) write lock is held while it does.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from shared.config import Settings
from shared.db_faults import is_database_unavailable
from shared.domain.errors import AuthenticationRequiredError
from shared.domain.users import User
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
    with deps.uow() as uow:
        lockout.ensure_not_locked(uow.session, email=address, client_ip=client_ip, now=now)
        row = uow.session.execute(
            select(User.id, User.password_hash).where(User.email == address)
        ).one_or_none()
    if row is None:
        deps.passwords.burn_verification_time(password)
    elif deps.passwords.verify(row.password_hash, password):
        user_id = uuid.UUID(str(row.id))
        if deps.passwords.needs_rehash(row.password_hash):
            _rehash(deps, user_id, row.password_hash, password)
        return user_id
    _count_failure(deps, address, client_ip, now)
    raise AuthenticationRequiredError(INVALID_CREDENTIALS)


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
        lockout.ensure_not_locked(uow.session, email=row.email, client_ip=client_ip, now=now)
    if not deps.passwords.verify(row.password_hash, password):
        _count_failure(deps, row.email, client_ip, now)
        raise AuthenticationRequiredError(INVALID_PASSWORD)


def ensure_can_sign_in(settings: Settings, user: User | None) -> User:
    """The user, if the account may receive tokens; 401 saying why not otherwise."""
    if user is None:
        raise AuthenticationRequiredError(INVALID_CREDENTIALS)
    if not user.is_active:
        raise AuthenticationRequiredError("User account is disabled")
    if settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN and user.email_verified_at is None:
        raise AuthenticationRequiredError("Email is not verified")
    return user


def _count_failure(deps: Dependencies, email: str, client_ip: str | None, now: datetime) -> None:
    policy = lockout.LockoutPolicy.from_settings(deps.settings)
    try:
        with deps.uow() as uow:
            lockout.record_failure(uow.session, policy, email=email, client_ip=client_ip, now=now)
            uow.commit()
    except Exception as exc:
        # Fail open, like the rate limiter: the caller still gets its 401 for the wrong
        # password; a database that cannot count now must not turn it into a 503 or 500.
        if not is_database_unavailable(exc):
            raise
        log.warning(
            "lockout: the database did not answer, so a failed sign-in went uncounted (%s); "
            "check DATABASE_URL and the database's load",
            type(exc).__name__,
        )
