"""Signed credentials: a certificate as an Open Badges 3.0 OpenBadgeCredential, a VC-JWT.

The credential is a W3C Verifiable Credential (data model 2.0) whose claims are the JWT's
payload, signed RS256 (Open Badges 3.0 §8.2): header `alg`, `kid`, `typ: JWT`; the registered
claims `iss` (the issuer's id), `jti` (the credential's id, urn:uuid:<certificate id>), `sub`
(the student), `nbf` (validFrom) and, when CERTIFICATE_CREDENTIAL_VALID_DAYS is set, `exp`
(validUntil). `kid` is a URL: the key set at /api/v1/certificates/jwks, with the key's
RFC 7638 thumbprint as fragment. Anyone can check a credential with any JOSE library and that
key set, without asking us; `verify` does the same checks here and adds revocation, which
only we know.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.config import Settings
from shared.documents.certificate_pdf import display_date
from shared.domain.errors import ResourceNotFoundError
from shared.schemas.certificates import (
    CredentialCheck,
    CredentialVerification,
    IssuerProfile,
    JsonWebKeySet,
)
from shared.security.signing_keys import ALGORITHM, SigningKey
from shared.services.certificate_views import (
    CertificateRow,
    certificate_out,
    find_certificate,
)
from shared.uow import UnitOfWork

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CHECKS = ("format", "signature", "issuer", "expiry", "revocation")
NOT_CHECKED = "not checked: the credential could not be read"


def issuer_id(settings: Settings) -> str:
    return f"{settings.PUBLIC_API_URL}/api/v1/certificates/issuer"


def key_id(settings: Settings, key: SigningKey) -> str:
    return f"{settings.PUBLIC_API_URL}/api/v1/certificates/jwks#{key.kid}"


def issuer_profile(settings: Settings) -> IssuerProfile:
    return IssuerProfile.model_validate(
        {
            "@context": CONTEXT,
            "id": issuer_id(settings),
            "type": ["Profile"],
            "name": settings.APP_NAME,
            "url": settings.FRONTEND_BASE_URL.rstrip("/"),
        }
    )


def key_set(settings: Settings, key: SigningKey) -> JsonWebKeySet:
    return JsonWebKeySet.model_validate(
        {"keys": [{**key.public_jwk, "kid": key_id(settings, key)}]}
    )


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_claims(
    row: CertificateRow, instructor_name: str, settings: Settings
) -> dict[str, Any]:
    """The OpenBadgeCredential of a certificate, with the JWT's registered claims."""
    certificate = row.certificate
    issuer = issuer_id(settings)
    credential_id = f"urn:uuid:{certificate.id}"
    subject_id = f"urn:uuid:{certificate.student_id}"
    claims: dict[str, Any] = {
        "@context": CONTEXT,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of Completion: {row.course_title}",
        "description": f"Certificate {certificate.certificate_number}",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": settings.APP_NAME,
            "url": settings.FRONTEND_BASE_URL.rstrip("/"),
        },
        "validFrom": _timestamp(certificate.issued_at),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": row.student_name,
                }
            ],
            "activityEndDate": _timestamp(certificate.completion_date),
            "achievement": {
                "id": f"{settings.PUBLIC_API_URL}/api/v1/courses/{certificate.course_id}",
                "type": ["Achievement"],
                "achievementType": "CertificateOfCompletion",
                "name": row.course_title,
                "description": f"The course {row.course_title}, taught by {instructor_name}.",
                "criteria": {"narrative": "Complete every lesson of the course."},
            },
        },
        "iss": issuer,
        "jti": credential_id,
        "sub": subject_id,
        "nbf": int(certificate.issued_at.timestamp()),
    }
    if settings.CERTIFICATE_CREDENTIAL_VALID_DAYS is not None:
        until = certificate.issued_at + timedelta(days=settings.CERTIFICATE_CREDENTIAL_VALID_DAYS)
        claims["validUntil"] = _timestamp(until)
        claims["exp"] = int(until.timestamp())
    return claims


def sign(claims: dict[str, Any], settings: Settings, key: SigningKey) -> str:
    import jwt

    headers = {"kid": key_id(settings, key), "typ": "JWT"}
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers=headers)


class _Checks:
    def __init__(self) -> None:
        self.results: dict[str, CredentialCheck] = {}

    def record(self, name: str, passed: bool, detail: str) -> None:
        self.results[name] = CredentialCheck(name=name, passed=passed, detail=detail)

    def verification(self, row: CertificateRow | None) -> CredentialVerification:
        checks = [
            self.results.get(name, CredentialCheck(name=name, passed=False, detail=NOT_CHECKED))
            for name in CHECKS
        ]
        failed = [check.name for check in checks if not check.passed]
        return CredentialVerification(
            valid=not failed,
            failed=failed,
            checks=checks,
            certificate=certificate_out(row) if row is not None else None,
        )


def verify(
    uow: UnitOfWork, settings: Settings, key: SigningKey, token: str
) -> CredentialVerification:
    """Check a credential's signature, issuer, dates and revocation; say which failed."""
    import jwt

    checks = _Checks()
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        checks.record("format", False, "This is not a compact JWS (header.payload.signature).")
        return checks.verification(None)
    if header.get("alg") != ALGORITHM or not isinstance(claims, dict):
        checks.record("format", False, f"Credentials are signed {ALGORITHM}; this one is not.")
        return checks.verification(None)
    checks.record("format", True, "A VC-JWT signed RS256.")
    _check_signature(checks, token, header, settings, key)
    _check_issuer(checks, claims, settings)
    _check_dates(checks, claims, uow.clock())
    return checks.verification(_check_revocation(checks, uow, claims))


def _check_signature(
    checks: _Checks, token: str, header: dict[str, Any], settings: Settings, key: SigningKey
) -> None:
    import jwt

    if header.get("kid") != key_id(settings, key):
        checks.record(
            "signature",
            False,
            f"Signed with key {json.dumps(header.get('kid'))}, which is not in our key set.",
        )
        return
    try:
        jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        checks.record("signature", False, "The signature does not match: it was changed.")
        return
    except jwt.PyJWTError as exc:
        checks.record("signature", False, f"The signature cannot be checked ({exc}).")
        return
    checks.record("signature", True, "Signed by our key.")


def _check_issuer(checks: _Checks, claims: dict[str, Any], settings: Settings) -> None:
    expected = issuer_id(settings)
    issuer = claims.get("issuer")
    named = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") == expected and named == expected:
        checks.record("issuer", True, f"Issued by {expected}.")
    else:
        checks.record("issuer", False, f"Not issued by {expected}.")


def _check_dates(checks: _Checks, claims: dict[str, Any], now: datetime) -> None:
    moment = now.timestamp()
    not_before, expires = claims.get("nbf"), claims.get("exp")
    if not isinstance(not_before, int | float) or (
        expires is not None and not isinstance(expires, int | float)
    ):
        checks.record("expiry", False, "The credential's nbf or exp is not a NumericDate.")
    elif moment < not_before:
        checks.record("expiry", False, "The credential is not valid yet.")
    elif expires is not None and moment >= expires:
        try:
            when = f" on {display_date(datetime.fromtimestamp(expires, now.tzinfo))}"
        except (OverflowError, OSError, ValueError):  # a date no calendar holds
            when = ""
        checks.record("expiry", False, f"The credential expired{when}.")
    else:
        checks.record("expiry", True, "Within its validity period.")


def _check_revocation(
    checks: _Checks, uow: UnitOfWork, claims: dict[str, Any]
) -> CertificateRow | None:
    credential_id = str(claims.get("jti") or "")
    try:
        identifier = uuid.UUID(credential_id.removeprefix("urn:uuid:"))
        row = find_certificate(uow.session, identifier)
    except (ValueError, ResourceNotFoundError):  # not one of our ids
        checks.record("revocation", False, "No certificate of ours has this credential's id.")
        return None
    certificate = row.certificate
    if certificate.is_revoked and certificate.revoked_at is not None:
        checks.record(
            "revocation",
            False,
            f"Revoked on {display_date(certificate.revoked_at)}: {certificate.revocation_reason}",
        )
    elif claims.get("sub") != f"urn:uuid:{certificate.student_id}":
        checks.record("revocation", False, "The credential names another student.")
    else:
        checks.record("revocation", True, f"Certificate {certificate.certificate_number} stands.")
    return row
