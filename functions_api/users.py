"""/api/v1/users: user administration (ADM+) and the caller's own account."""

from __future__ import annotations

import azure.functions as func

from shared.config import get_settings
from shared.http import ADMIN_SETUP_COMPLETE, AUTHENTICATED, Request, route
from shared.schemas.accounts import UserCreate, UserUpdate
from shared.schemas.pages import Page, PageQuery
from shared.schemas.users import UserOut
from shared.services.identity import users

bp = func.Blueprint()


@route(
    bp,
    "GET",
    "api/v1/users",
    name="users_list",
    access=ADMIN_SETUP_COMPLETE,
    query=PageQuery,
    response=Page[UserOut],
)
def users_list(request: Request, query: PageQuery) -> Page[UserOut]:
    """Every user, newest first, a page at a time."""
    return users.list_users(query)


@route(bp, "GET", "api/v1/users/me", name="users_me", access=AUTHENTICATED, response=UserOut)
def users_me(request: Request) -> UserOut:
    """The caller's own account."""
    return users.me(request.actor)


@route(
    bp,
    "GET",
    "api/v1/users/{user_id:guid}",
    name="users_get",
    access=ADMIN_SETUP_COMPLETE,
    response=UserOut,
)
def users_get(request: Request, user_id: str) -> UserOut:
    """One user by id."""
    return users.get_user(user_id)


@route(
    bp,
    "POST",
    "api/v1/users",
    name="users_create",
    access=ADMIN_SETUP_COMPLETE,
    body=UserCreate,
    response=UserOut,
    status=201,
)
def users_create(request: Request, body: UserCreate) -> UserOut:
    """Create a student account (privileged accounts: /admin/setup, /instructors/register)."""
    return users.create_student(get_settings(), body)


@route(
    bp,
    "PATCH",
    "api/v1/users/{user_id:guid}",
    name="users_update",
    access=ADMIN_SETUP_COMPLETE,
    body=UserUpdate,
    response=UserOut,
)
def users_update(request: Request, user_id: str, body: UserUpdate) -> UserOut:
    """Change a user's name, role (student only), password or active flag."""
    return users.update_user(user_id, body)
