"""Creating user accounts: the one place that checks e-mail uniqueness and hashes passwords.

Registration, admin-created users, instructor registration and admin setup all come here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from shared.domain.errors import ResourceConflictError
from shared.domain.users import Role, User
from shared.security.passwords import hash_password
from shared.uow import UnitOfWork


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(uow: UnitOfWork, email: str) -> User | None:
    return uow.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_account(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    now: datetime,
    email_verified: bool,
) -> User:
    """Add a user to the unit of work (not committed); 409 when the e-mail is taken."""
    email = normalize_email(email)
    taken = uow.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    if taken:
        raise ResourceConflictError("Email is already registered")
    user = User(
        email=email,
        password_hash=hash_password(password),
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
    # at flush, which the caller's commit turns into the same 409 (see commit_account).
    return user


def commit_account(uow: UnitOfWork) -> None:
    """Commit a unit of work that created an account, mapping a lost race to 409."""
    from sqlalchemy.exc import IntegrityError

    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise ResourceConflictError("Email is already registered") from None
