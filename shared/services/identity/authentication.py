"""Who is calling: a bearer access token turned into an Actor, with one SQL statement.

The statement loads the user, whether the token's id was spent (logout) and whether the user's
admin profile finished setup. A database that does not answer fails closed: 503, never an
unchecked token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shared.db import single_statements
from shared.domain.admins import AdminProfile
from shared.domain.errors import AuthenticationRequiredError, DependencyUnavailableError
from shared.domain.tokens import SpentToken
from shared.domain.users import Role, User
from shared.security.permissions import Actor
from shared.security.tokens import ACCESS, decode_token

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies


def authenticate(deps: Dependencies, token: str) -> Actor:
    settings = deps.settings
    claims = decode_token(settings, token, ACCESS, deps.clock())
    spent = exists().where(SpentToken.jti == str(claims.jti))
    statement = (
        select(User, spent, AdminProfile.is_setup_complete)
        .outerjoin(AdminProfile, AdminProfile.user_id == User.id)
        .where(User.id == claims.subject)
    )
    try:
        # One SELECT on every authenticated request: no transaction around it (a BEGIN and
        # a ROLLBACK would double its round trips on PostgreSQL).
        with single_statements(deps.engine) as connection, Session(connection) as session:
            row = session.execute(statement).one_or_none()
            session.expunge_all()  # the rows outlive the session, detached
    except SQLAlchemyError as exc:
        raise DependencyUnavailableError(
            "Token revocation service unavailable; try again shortly"
        ) from exc
    if row is None:
        raise AuthenticationRequiredError("Could not validate credentials")
    user, is_spent, setup_complete = row
    if not user.is_active:
        raise AuthenticationRequiredError("Could not validate credentials")
    if is_spent or claims.extra.get("ver") != user.token_version:
        raise AuthenticationRequiredError("Token has been revoked")
    if settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN and user.email_verified_at is None:
        raise AuthenticationRequiredError("Email is not verified")
    return Actor(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        token_id=claims.jti,
        token_expires_at=claims.expires_at,
        admin_setup_complete=bool(setup_complete),
        user=user,
    )
