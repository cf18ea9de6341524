"""Signed tokens (JWT, HS256) with issuer, audience, type, id and expiry.

Types: `access` (15 min, carries the user's token version), `refresh` (30 days, stored
hashed), `password_reset` and `email_verification` (single-use), `mfa_challenge`.
PyJWT is imported on first use to keep it out of the cold start of routes that need no token.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.config import Settings
from shared.domain.errors import AuthenticationRequiredError

ACCESS = "access"
REFRESH = "refresh"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a token type, not a secret)
EMAIL_VERIFICATION = "email_verification"
MFA_CHALLENGE = "mfa_challenge"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True)
class TokenClaims:
    subject: uuid.UUID
    jti: uuid.UUID
    kind: str
    issued_at: datetime
    expires_at: datetime
    extra: dict[str, Any]


def issue_token(
    settings: Settings,
    kind: str,
    subject: uuid.UUID,
    lifetime: timedelta,
    now: datetime,
    **extra: Any,
) -> IssuedToken:
    import jwt

    jti = uuid.uuid4()
    expires_at = now + lifetime
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(subject),
        "jti": str(jti),
        "typ": kind,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        **extra,
    }
    return IssuedToken(
        jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM), jti, expires_at
    )


def decode_token(settings: Settings, token: str, kind: str, now: datetime) -> TokenClaims:
    """The claims of a valid token of `kind`; AuthenticationRequiredError otherwise."""
    import jwt

    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "jti", "typ"], "verify_iat": False},
            leeway=0,
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationRequiredError("Token has expired") from None
    except jwt.PyJWTError:
        raise AuthenticationRequiredError("Could not validate credentials") from None
    if claims.get("typ") != kind:
        raise AuthenticationRequiredError("Invalid token type")
    try:
        subject = uuid.UUID(str(claims["sub"]))
        jti = uuid.UUID(str(claims["jti"]))
        # A validly signed token may still carry times no datetime holds (exp=1e20) or text
        # where a number belongs (PyJWT checks exp's type, not iat's once verify_iat is off).
        issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        raise AuthenticationRequiredError("Malformed token") from None
    known = {"iss", "aud", "sub", "jti", "typ", "iat", "exp"}
    return TokenClaims(
        subject=subject,
        jti=jti,
        kind=kind,
        issued_at=issued_at,
        expires_at=expires_at,
        extra={k: v for k, v in claims.items() if k not in known},
    )


def token_digest(token: str) -> str:
    """What is stored instead of a refresh token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()
