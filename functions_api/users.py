"""/api/v1/users: user administration (ADM+) and the caller's own account."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import ADMIN_SETUP_COMPLETE, AUTHENTICATED, Actor, Router
from shared.schemas.accounts import UserCreate, UserUpdate
from shared.schemas.pages import Page, PageQuery
from shared.schemas.users import UserOut
from shared.services.identity import users
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/users", access=ADMIN_SETUP_COMPLETE)


@api.get()
def users_list(query: PageQuery, uow: UnitOfWork) -> Page[UserOut]:
    """Every user, newest first, a page at a time."""
    return users.list_users(uow, query)


@api.get("me", access=AUTHENTICATED)
def users_me(actor: Actor, uow: UnitOfWork) -> UserOut:
    """The caller's own account."""
    return users.me(uow, actor)


@api.get("{user_id:guid}")
def users_get(user_id: str, uow: UnitOfWork) -> UserOut:
    """One user by id."""
    return users.get_user(uow, user_id)


@api.post(status=201)
def users_create(body: UserCreate, deps: Dependencies) -> UserOut:
    """Create a student account (privileged accounts: /admin/setup, /instructors/register)."""
    return users.create_student(deps, body)


@api.patch("{user_id:guid}")
def users_update(user_id: str, body: UserUpdate, deps: Dependencies) -> UserOut:
    """Change a user's name, role (student only), password or active flag."""
    return users.update_user(deps, user_id, body)
