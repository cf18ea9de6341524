"""Creating user accounts: the one place that checks e-mail uniqueness and hashes passwords.

Registration, admin-created users, instructor registration and admin setup all come here,
and so does the race two of them can run for one address: the count in `create_account`
answers 409 for an address already taken, and `flush_account` / `commit_account` answer the
same 409 when a concurrent registration took it after the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shared.domain.errors import ResourceConflictError
from shared.domain.users import Role, User
from shared.security.passwords import PasswordHasher
from shared.uow import UnitOfWork

EMAIL_TAKEN = "Email is already registered"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(uow: UnitOfWork, email: str) -> User | None:
    return uow.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_account(
    uow: UnitOfWork,
    passwords: PasswordHasher,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    email_verified: bool,
) -> User:
    """Add a user to the unit of work (not committed); 409 when the e-mail is taken."""
    now = uow.clock()
    email = normalize_email(email)
    taken = uow.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    if taken:
        raise ResourceConflictError(EMAIL_TAKEN)
    user = User(
        email=email,
        password_hash=passwords.hash(password),
        full_name=full_name.strip(),
        role=role.value,
        is_active=True,
        mfa_enabled=False,
        token_version=0,
        created_at=now,
        updated_at=now,
        email_verified_at=now if email_verified else None,
    )
    uow.session.add(user)
    # Two concurrent registrations both pass the count; the unique index stops the second
    # at flush, which flush_account or commit_account turns into the same 409.
    return user


def flush_account(uow: UnitOfWork) -> None:
    """Insert a new account now, before the rows that refer to it (a profile, tokens)."""
    with _lost_race_is_conflict(uow):
        uow.session.flush()


def commit_account(uow: UnitOfWork) -> None:
    """Commit a unit of work that created an account."""
    with _lost_race_is_conflict(uow):
        uow.commit()


@contextmanager
def _lost_race_is_conflict(uow: UnitOfWork) -> Iterator[None]:
    # The unique index on users.email refused the insert: another registration of the
    # address committed after this one's count. The caller gets the count's 409.
    try:
        yield
    except IntegrityError:
        uow.rollback()
        raise ResourceConflictError(EMAIL_TAKEN) from None
