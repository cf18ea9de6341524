"""User administration (ADM+): list, read, create students, change a user; and "who am I".

A password change or a deactivation ends every session of the user (sessions.revoke_all_sessions):
the token version goes up, so every access token issued before fails on its next request, and
the refresh tokens are revoked, so none can mint new ones.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from shared.domain.errors import (
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.users import Role, User
from shared.schemas.accounts import UserCreate, UserUpdate
from shared.schemas.pages import Page, PageQuery
from shared.schemas.users import UserOut
from shared.security.permissions import Actor
from shared.services.identity import email_verification, sessions
from shared.services.identity.accounts import commit_account, create_account, find_by_email
from shared.services.ids import parse_id
from shared.services.pages import fetch_page
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

USER_NOT_FOUND = "User not found"
PRIVILEGED_ROLES = frozenset({Role.ADMIN, Role.INSTRUCTOR})


def list_users(uow: UnitOfWork, query: PageQuery) -> Page[UserOut]:
    """Newest first: one statement."""
    rows, total = fetch_page(
        uow.session, select(User).order_by(User.created_at.desc(), User.id.desc()), query
    )
    return Page[UserOut].of([UserOut.model_validate(row[0]) for row in rows], total, query)


def get_user(uow: UnitOfWork, user_id: str | uuid.UUID) -> UserOut:
    user = uow.session.get(User, parse_id(user_id, USER_NOT_FOUND))
    if user is None:
        raise ResourceNotFoundError(USER_NOT_FOUND)
    return UserOut.model_validate(user)


def create_student(deps: Dependencies, data: UserCreate) -> UserOut:
    """An admin adds a student; privileged accounts have their own flows. An unverified
    account (REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN on) gets its verification link."""
    if data.role in PRIVILEGED_ROLES:
        raise RuleViolationError(
            "Use /admin/setup or /instructors/register to create privileged accounts"
        )
    with deps.uow() as uow:
        user = create_account(
            uow,
            deps.passwords,
            email=data.email,
            password=data.password,
            full_name=data.full_name,
            role=Role.STUDENT,
            email_verified=not deps.settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN,
        )
        email_verification.send_link_if_unverified(uow, deps.settings, user)
        commit_account(uow)
        return UserOut.model_validate(user)


def update_user(deps: Dependencies, user_id: str | uuid.UUID, data: UserUpdate) -> UserOut:
    if data.role is not None and data.role in PRIVILEGED_ROLES:
        raise RuleViolationError(
            "Use /admin/setup or /instructors/register to assign privileged roles"
        )
    now = deps.clock()
    # Hashed before the row is locked: argon2 takes a while.
    new_hash = deps.passwords.hash(data.password) if data.password is not None else None
    with deps.uow() as uow:
        user = uow.session.get(User, parse_id(user_id, USER_NOT_FOUND), with_for_update=True)
        if user is None:
            raise ResourceNotFoundError(USER_NOT_FOUND)
        revoke_reason: str | None = None
        if data.full_name is not None:
            user.full_name = data.full_name
        if data.role is not None:
            user.role = data.role.value
        if new_hash is not None:
            user.password_hash = new_hash
            revoke_reason = sessions.PASSWORD_CHANGED
        if data.is_active is not None:
            if user.is_active and not data.is_active:
                revoke_reason = revoke_reason or sessions.DEACTIVATED
            user.is_active = data.is_active
        if revoke_reason is not None:
            sessions.revoke_all_sessions(uow.session, user, now, revoke_reason)
        user.updated_at = now
        uow.commit()
        return UserOut.model_validate(user)


def me(uow: UnitOfWork, actor: Actor) -> UserOut:
    """The caller's own account, from the row read to authenticate the request."""
    return UserOut.model_validate(actor.user) if actor.user else get_user(uow, actor.id)


def email_in_use(deps: Dependencies, email: str) -> bool:
    with deps.uow() as uow:
        return find_by_email(uow, email) is not None
