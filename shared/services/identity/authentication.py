"""Who is calling: a bearer access token turned into an Actor, with one SQL statement.

The statement reads the user's columns, whether the token's id was spent (logout) and whether
the user's admin profile finished setup; on PostgreSQL it also adds the request's rate-limit
hit when the pipeline hands one over. A database that does not answer fails closed: 503, never
an unchecked token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import SQLAlchemyError

from shared.db import single_statements
from shared.domain.admins import AdminProfile
from shared.domain.errors import AuthenticationRequiredError, DependencyUnavailableError
from shared.domain.tokens import SpentToken
from shared.domain.users import Role, User
from shared.security.ip_allowlist import require_allowed
from shared.security.permissions import Actor
from shared.security.rate_limits import CarriedHit, hit_cte
from shared.security.tokens import ACCESS, TokenClaims, decode_token

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies


# The user's columns under their attribute names: the row stands in for the User entity
# (`Actor.user`), read by Core, past the ORM's identity map and loading machinery. The
# password hash is left out: nothing a request does as its actor needs it.
_USER = [
    prop.columns[0].label(prop.key)
    for prop in User.__mapper__.column_attrs
    if prop.key != "password_hash"
]
_LOOKUP = (
    *_USER,
    # The token's own id (logout) or its session's (a revoked family: reuse, logout).
    exists().where(SpentToken.jti.in_([bindparam("jti"), bindparam("family")])).label("is_spent"),
    AdminProfile.is_setup_complete.label("admin_setup_complete"),
    AdminProfile.ip_whitelist.label("admin_allowlist"),
)
# Built once: every authenticated request runs one, and a statement built per request costs
# its construction and its cache key again (~0.1 ms) before SQLAlchemy finds it compiled.
_ACTOR = (
    select(*_LOOKUP)
    .select_from(User)
    .outerjoin(AdminProfile, AdminProfile.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)
# The same with a rate-limit hit riding along (PostgreSQL): the hit's one row, the user's
# columns beside it, empty when no such user.
_HIT = hit_cte()
_ACTOR_COUNTING = select(_HIT.c.hits, *_LOOKUP).select_from(
    _HIT.outerjoin(User, User.id == bindparam("user_id")).outerjoin(
        AdminProfile, AdminProfile.user_id == User.id
    )
)


def _family(claims: TokenClaims) -> str:
    """The session the token belongs to; tokens issued before `fam` existed stand alone."""
    family = claims.extra.get("fam")
    return family if isinstance(family, str) and len(family) <= 64 else str(claims.jti)


def authenticate(
    deps: Dependencies,
    token: str,
    client_ip: str | None = None,
    *,
    revoked_accepted: bool = False,
    carried: CarriedHit | None = None,
) -> Actor:
    """The actor of a valid access token; an admin only from their allowlist's addresses.

    `revoked_accepted`: a revoked token that is still signed and unexpired identifies its
    user too (logout only: it can end sessions, never act for the user). `carried`: a
    rate-limit hit the statement adds too; its count is set on it, for its owner to judge.
    """
    settings = deps.settings
    claims = decode_token(settings, token, ACCESS)
    values = {"jti": str(claims.jti), "family": _family(claims), "user_id": claims.subject}
    statement = _ACTOR
    if carried is not None:
        statement = _ACTOR_COUNTING
        values |= carried.values()
        carried.sent = True
    try:
        # One statement on every authenticated request, with no transaction around it (a
        # BEGIN and a ROLLBACK would double its round trips on PostgreSQL).
        with single_statements(deps.engine) as connection:
            row = connection.execute(statement, values).one_or_none()
    except SQLAlchemyError as exc:
        raise DependencyUnavailableError(
            "The service is temporarily unavailable: it cannot check the token now. "
            "Try again in a few seconds."
        ) from exc
    if carried is not None and row is not None:
        carried.hits = int(row.hits)
    if row is None or row.id is None:
        raise AuthenticationRequiredError("Could not validate credentials")
    if not row.is_active:
        raise AuthenticationRequiredError("Could not validate credentials")
    revoked = row.is_spent or claims.extra.get("ver") != row.token_version
    if revoked and not revoked_accepted:
        raise AuthenticationRequiredError("Token has been revoked")
    if settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN and row.email_verified_at is None:
        raise AuthenticationRequiredError("Email is not verified")
    if row.role == Role.ADMIN.value:
        require_allowed(row.admin_allowlist, client_ip)
    return Actor(
        id=row.id,
        email=row.email,
        role=Role(row.role),
        token_id=claims.jti,
        token_expires_at=claims.expires_at,
        admin_setup_complete=bool(row.admin_setup_complete),
        user=row,
    )
