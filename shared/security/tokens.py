"""Signed tokens (JWT, HS256) with issuer, audience, type, id and expiry.

Types: `access` (15 min, carries the user's token version), `refresh` (30 days, stored
hashed), `password_reset` and `email_verification` (single-use), `mfa_challenge`.

A token is a compact JWS (RFC 7515) signed with HMAC-SHA256 under SECRET_KEY, made and
checked here with the standard library: every authenticated request checks one, and PyJWT
took ~110 µs for it (most of it testing each character of the token in Python), this ~12 µs.
What is checked, in order: three base64url segments; a header naming HS256 and no `crit`
extension (so `none` or another algorithm is refused before any signature is computed); the
signature, compared in constant time; then the claims: `exp` after now, `nbf` (if any) not
after now, the issuer, the audience, and `iat`, `sub`, `jti` and `typ` present.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
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
    return IssuedToken(_signed(claims, settings.SECRET_KEY), jti, expires_at)


def decode_token(settings: Settings, token: str, kind: str) -> TokenClaims:
    """The claims of a valid token of `kind`; AuthenticationRequiredError otherwise. Expiry
    is judged by the wall clock, as PyJWT judged it, not by the app's clock."""
    claims = _verified(token, settings.SECRET_KEY)
    _check_claims(claims, settings, time.time())
    if claims.get("typ") != kind:
        raise AuthenticationRequiredError("Invalid token type")
    try:
        subject = uuid.UUID(str(claims["sub"]))
        jti = uuid.UUID(str(claims["jti"]))
        # A validly signed token may still carry times no datetime holds (exp=1e20) or text
        # where a number belongs (the claims' check tests exp's type, not iat's).
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


_HEADER = {"alg": ALGORITHM, "typ": "JWT"}
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")  # base64url without padding (RFC 7515, section 2)
_REQUIRED = ("exp", "iat", "sub", "jti", "typ")
_INVALID = "Could not validate credentials"


def _signed(claims: dict[str, Any], key: str) -> str:
    signing_input = f"{_encoded(_HEADER)}.{_encoded(claims)}"
    signature = hmac.digest(key.encode(), signing_input.encode("ascii"), "sha256")
    return f"{signing_input}.{_base64url(signature)}"


def _verified(token: str, key: str) -> dict[str, Any]:
    """The claims of a compact JWS signed with HS256 under `key`, unchecked."""
    segments = token.split(".")
    if len(segments) != 3 or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise AuthenticationRequiredError(_INVALID)
    header = _decoded(segments[0])
    if header.get("alg") != ALGORITHM or "crit" in header:
        raise AuthenticationRequiredError(_INVALID)
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
    expected = hmac.digest(key.encode(), signing_input, "sha256")
    if not hmac.compare_digest(expected, _bytes(segments[2])):
        raise AuthenticationRequiredError(_INVALID)
    return _decoded(segments[1])


def _check_claims(claims: dict[str, Any], settings: Settings, now: float) -> None:
    if any(name not in claims for name in _REQUIRED):
        raise AuthenticationRequiredError(_INVALID)
    if _number(claims["exp"]) <= now:
        raise AuthenticationRequiredError("Token has expired")
    if "nbf" in claims and _number(claims["nbf"]) > now:
        raise AuthenticationRequiredError(_INVALID)
    if claims.get("iss") != settings.JWT_ISSUER:
        raise AuthenticationRequiredError(_INVALID)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or settings.JWT_AUDIENCE not in audiences:
        raise AuthenticationRequiredError(_INVALID)


def _number(value: Any) -> int | float:
    """A NumericDate (RFC 7519, section 2): a JSON number, not a boolean or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationRequiredError(_INVALID)
    return value


def _encoded(value: dict[str, Any]) -> str:
    return _base64url(json.dumps(value, separators=(",", ":")).encode())


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _bytes(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error:  # a length no base64 has (4n + 1)
        raise AuthenticationRequiredError(_INVALID) from None


def _decoded(segment: str) -> dict[str, Any]:
    """A segment's JSON object."""
    try:
        value = json.loads(_bytes(segment))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested past the parser's depth
        raise AuthenticationRequiredError(_INVALID) from None
    if not isinstance(value, dict):
        raise AuthenticationRequiredError(_INVALID)
    return value


def token_digest(token: str) -> str:
    """What is stored instead of a refresh token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()
