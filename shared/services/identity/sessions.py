"""Sign-in sessions: the token pair, refresh with rotation and reuse detection, logout, and
revoking everything a user holds.

A session is a refresh-token family. Signing in starts one; every refresh revokes the token
presented and issues the next one in the same family. A refresh token presented again after
it was rotated has been copied: the whole family is revoked, so the thief's copy and the
victim's current token both stop working, and the victim signs in again.

Access tokens (ACCESS_TOKEN_EXPIRE_MINUTES) carry `ver` = users.token_version; raising the
version (password change or reset, deactivation) revokes every access token at once. A single
access token is revoked by spending its id (logout, refresh with that token as Bearer). Access
tokens also carry `fam`, their session's family: revoking a family (reuse, logout) spends the
family id too, for as long as an access token lives, so every access token of that session
stops working at once, not when it expires.
Refresh tokens (REFRESH_TOKEN_EXPIRE_DAYS) are stored as their SHA-256, never as issued.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db import upsert_insert
from shared.domain.errors import AuthenticationRequiredError
from shared.domain.tokens import RefreshToken, SpentToken
from shared.domain.users import User
from shared.schemas.auth import AuthOut, TokenOut
from shared.schemas.users import UserOut
from shared.security.permissions import Actor
from shared.security.tokens import ACCESS, REFRESH, decode_token, issue_token, token_digest

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

# refresh_tokens.revoked_reason
ROTATED = "rotated"
REUSE_DETECTED = "reuse_detected"
LOGGED_OUT = "logout"
PASSWORD_CHANGED = "password_change"  # noqa: S105 (a revocation reason)
PASSWORD_RESET = "password_reset"  # noqa: S105 (a revocation reason)
DEACTIVATED = "deactivated"

INVALID_REFRESH = "Refresh token is invalid or revoked"
FAMILY = "family"  # spent_tokens.kind of a revoked session's id


def start_session(
    session: Session,
    settings: Settings,
    user: User,
    now: datetime,
    family_id: uuid.UUID | None = None,
) -> TokenOut:
    """Issue an access token and a refresh token, the latter stored in a (new) family."""
    lifetime = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    family_id = family_id or uuid.uuid4()
    access = issue_token(
        settings,
        ACCESS,
        user.id,
        lifetime,
        now,
        ver=user.token_version,
        role=user.role,
        fam=str(family_id),
    )
    refresh = issue_token(
        settings, REFRESH, user.id, timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS), now
    )
    session.add(
        RefreshToken(
            id=refresh.jti,
            user_id=user.id,
            family_id=family_id,
            token_hash=token_digest(refresh.token),
            created_at=now,
            expires_at=refresh.expires_at,
            revoked_at=None,
            revoked_reason=None,
        )
    )
    return TokenOut(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=int(lifetime.total_seconds()),
    )


def signed_in(user: User, tokens: TokenOut) -> AuthOut:
    return AuthOut(user=UserOut.model_validate(user), tokens=tokens)


def revoke_all_sessions(session: Session, user: User, now: datetime, reason: str) -> None:
    """End every session of `user`: all access tokens (token_version + 1) and all families.

    Call with the user row locked (`with_for_update`); the caller commits.
    """
    user.token_version += 1
    user.updated_at = now
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def spend_token(session: Session, jti: uuid.UUID, kind: str, expires_at: datetime) -> bool:
    """Record a token id as used; False when it already was (then the token is refused).

    One statement, so two requests racing with the same single-use token cannot both win.
    """
    insert = upsert_insert(session)
    statement = (
        insert(SpentToken)
        .values(jti=str(jti), kind=kind, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["jti"])
        .returning(SpentToken.jti)
    )
    return session.execute(statement).first() is not None


def refresh(deps: Dependencies, refresh_token: str, bearer: Actor | None) -> AuthOut:
    """Rotate a refresh token: revoke it, issue the next pair of its family.

    `bearer` is the caller of a request that also sent a valid access token; it must be the
    refresh token's user, and that access token is revoked with the rotation.
    """
    settings, now = deps.settings, deps.clock()
    claims = decode_token(settings, refresh_token, REFRESH)
    if bearer is not None and bearer.id != claims.subject:
        raise AuthenticationRequiredError("Access token does not match refresh token")
    with deps.uow() as uow:
        stored = _locked_refresh_token(uow.session, claims.jti, refresh_token)
        if stored is None or stored.user_id != claims.subject:
            raise AuthenticationRequiredError(INVALID_REFRESH)
        if stored.revoked_at is not None:
            _revoke_family(uow.session, settings, stored.family_id, now, REUSE_DETECTED)
            uow.commit()  # the revocation stands although the request fails
            raise AuthenticationRequiredError(INVALID_REFRESH)
        if stored.expires_at <= now:
            raise AuthenticationRequiredError(INVALID_REFRESH)
        user = uow.session.get(User, stored.user_id)
        if user is None or not user.is_active:
            raise AuthenticationRequiredError("Could not validate credentials")
        if settings.REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN and user.email_verified_at is None:
            raise AuthenticationRequiredError("Email is not verified")
        stored.revoked_at = now
        stored.revoked_reason = ROTATED
        if bearer is not None:
            spend_token(uow.session, bearer.token_id, ACCESS, bearer.token_expires_at)
        tokens = start_session(uow.session, settings, user, now, family_id=stored.family_id)
        uow.commit()
        return signed_in(user, tokens)


def logout(deps: Dependencies, actor: Actor, refresh_token: str) -> None:
    """End the caller's session: revoke the refresh token's family and spend the access token.

    Idempotent for the refresh token: a family already revoked stays revoked.
    """
    now = deps.clock()
    claims = decode_token(deps.settings, refresh_token, REFRESH)
    if claims.subject != actor.id:
        raise AuthenticationRequiredError("Access token does not match refresh token")
    with deps.uow() as uow:
        stored = _locked_refresh_token(uow.session, claims.jti, refresh_token)
        if stored is not None and stored.user_id == actor.id:
            _revoke_family(uow.session, deps.settings, stored.family_id, now, LOGGED_OUT)
        spend_token(uow.session, actor.token_id, ACCESS, actor.token_expires_at)
        uow.commit()


def _locked_refresh_token(session: Session, jti: uuid.UUID, token: str) -> RefreshToken | None:
    stored = session.scalar(select(RefreshToken).where(RefreshToken.id == jti).with_for_update())
    if stored is None or not hmac.compare_digest(stored.token_hash, token_digest(token)):
        return None
    return stored


def _revoke_family(
    session: Session, settings: Settings, family_id: uuid.UUID, now: datetime, reason: str
) -> None:
    """Revoke the family's refresh tokens, and its access tokens by spending the family id
    until the last of them has expired."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    lifetime = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    spend_token(session, family_id, FAMILY, now + lifetime)
