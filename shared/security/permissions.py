"""Who may call what: one access rule per route, checked by the HTTP adapter before the body
runs, and the ownership rules services apply to individual rows.

    @api.get("", access=ADMIN_SETUP_COMPLETE)
    def users_list(query: PageQuery, uow: UnitOfWork) -> Page[UserOut]: ...

The caller's role always comes from the database row loaded for the request, never from the
token, so a demotion or deactivation takes effect on the next request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from shared.domain.errors import AccessDeniedError
from shared.domain.users import Role

if TYPE_CHECKING:
    from sqlalchemy import Row

    from shared.domain.users import User


@dataclass(frozen=True)
class Access:
    name: str
    authentication: Literal["none", "optional", "required"]
    roles: frozenset[Role] | None = None  # None: any role
    admin_setup_complete: bool = False
    # Whether an access token already revoked (spent, its session ended, an old token
    # version) is still taken as proof of who calls, when signed and unexpired.
    revoked_token_accepted: bool = False
    # A route for a machine, not a user (Prometheus on /metrics): the bearer token must be the
    # value of this setting; user tokens, like no token, get 401.
    service_token_setting: str | None = None

    def __str__(self) -> str:
        return self.name


PUBLIC = Access("public", "none")
OPTIONAL = Access("optional", "optional")
AUTHENTICATED = Access("authenticated", "required")
# Logout, as the reference serves it: a client whose access token was revoked meanwhile (a
# refresh with it as Bearer, another device's logout) must still be able to revoke the
# refresh token it holds; refusing it would leave that session alive.
SIGNED_TOKEN = Access("signed-token", "required", revoked_token_accepted=True)
INSTRUCTOR = Access("instructor", "required", frozenset({Role.INSTRUCTOR, Role.ADMIN}))
ADMIN = Access("admin", "required", frozenset({Role.ADMIN}))
# The reference's ADM+: an admin whose admin profile has completed setup.
ADMIN_SETUP_COMPLETE = Access("admin+", "required", frozenset({Role.ADMIN}), True)
# Prometheus: the bearer token is METRICS_TOKEN's value (a setting's name, not a secret).
METRICS_SCRAPER = Access("metrics-token", "none", service_token_setting="METRICS_TOKEN")  # noqa: S106


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of one request, with the user's row read to authenticate it
    (a User, or a row of its columns by the same names; for reading only, so `/me` needs no
    second query)."""

    id: uuid.UUID
    email: str
    role: Role
    token_id: uuid.UUID
    token_expires_at: datetime
    admin_setup_complete: bool = False
    user: User | Row[Any] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def require_access(access: Access, actor: Actor | None) -> None:
    """Raise AccessDeniedError when `actor` may not use a route with `access`.

    The caller has already turned a missing or bad token into 401 for required routes.
    """
    if actor is None or access.roles is None:
        return
    if actor.role not in access.roles:
        detail = (
            "Not authorized to perform this action"
            if access.roles == {Role.ADMIN}
            else "Insufficient permissions"
        )
        raise AccessDeniedError(detail)
    if access.admin_setup_complete and not actor.admin_setup_complete:
        raise AccessDeniedError("Admin setup must be completed before performing this action")
