"""Who is calling: a bearer access token turned into an Actor, with one SQL statement.

The statement loads the user, whether the token's id was spent (logout) and whether the user's
admin profile finished setup. A database that does not answer fails closed: 503, never an
unchecked token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shared.db import single_statements
from shared.domain.admins import AdminProfile
from shared.domain.errors import AuthenticationRequiredError, DependencyUnavailableError
from shared.domain.tokens import SpentToken
from shared.domain.users import Role, User
from shared.security.ip_allowlist import require_allowed
from shared.security.permissions import Actor
from shared.security.tokens import ACCESS, TokenClaims, decode_token

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies


# Built once: every authenticated request runs it, and a statement built per request costs
# its construction and its cache key again (~0.1 ms) before SQLAlchemy finds it compiled.
_ACTOR = (
    select(
        User,
        # The token's own id (logout) or its session's (a revoked family: reuse, logout).
        exists().where(SpentToken.jti.in_([bindparam("jti"), bindparam("family")])),
        AdminProfile.is_setup_complete,
        AdminProfile.ip_whitelist,
    )
    .outerjoin(AdminProfile, AdminProfile.user_id == User.id)
    .where(User.id == bindparam("user_id"))
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
) -> Actor:
    """The actor of a valid access token; an admin only from their allowlist's addresses.

    `revoked_accepted`: a revoked token that is still signed and unexpired identifies its
    user too (logout only: it can end sessions, never act for the user).
    """
    settings = deps.settings
    claims = decode_token(settings, token, ACCESS, deps.clock())
    try:
        # One SELECT on every authenticated request: no transaction around it (a BEGIN and
        # a ROLLBACK would double its round trips on PostgreSQL).
        with single_statements(deps.engine) as connection, Session(connection) as session:
            row = session.execute(
                _ACTOR,
                {"jti": str(claims.jti), "family": _family(claims), "user_id": claims.subject},
            ).one_or_none()
            session.expunge_all()  # the rows outlive the session, detached
    except SQLAlchemyError as exc:
        raise DependencyUnavailableError(
            "The service is temporarily unavailable: it cannot check the token now. "
            "Try again in a few seconds."
        ) from exc
    if row is None:
        raise AuthenticationRequiredError("Could not validate credentials")
    user, is_spent, setup_complete, allowlist = row
    if not user.is_active:
        raise AuthenticationRequiredError("Could not validate credentials")
    revoked = is_spent or claims.extra.get("ver") != user.token_version
    if revoked and not revoked_accepted:
        raise AuthenticationRequiredError("Token has been revoked")
    if settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN and user.email_verified_at is None:
        raise AuthenticationRequiredError("Email is not verified")
    if user.role == Role.ADMIN.value:
        require_allowed(allowlist, client_ip)
    return Actor(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        token_id=claims.jti,
        token_expires_at=claims.expires_at,
        admin_setup_complete=bool(setup_complete),
        user=user,
    )
