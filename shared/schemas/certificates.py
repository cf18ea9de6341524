"""/api/v1/certificates: certificates, their verification, and their signed credentials."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from shared.schemas.base import Schema

# A compact JWS of a credential is a few kB; far more is not one of ours.
MAX_CREDENTIAL_LENGTH = 20_000


class CertificateOut(Schema):
    """The reference's CertificateResponse (with the full `pdf_url`), plus why and when a
    revoked one was revoked, and the names a verifier needs."""

    id: uuid.UUID
    certificate_number: str
    student_id: uuid.UUID
    course_id: uuid.UUID
    completion_date: datetime
    issued_at: datetime
    pdf_url: str  # /api/v1/certificates/{id}/download (the reference left out /api/v1)
    is_revoked: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    student_name: str
    course_title: str


class CertificateList(Schema):
    certificates: list[CertificateOut]
    total: int


class CertificateVerification(Schema):
    """The answer of the public check by number: always 200, `valid` says."""

    valid: bool
    certificate: CertificateOut | None
    message: str


class CertificateRevoke(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class CredentialOut(Schema):
    """An Open Badges 3.0 OpenBadgeCredential signed as a VC-JWT (compact JWS, RS256)."""

    credential: str


class CredentialVerify(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    credential: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CREDENTIAL_LENGTH)]


class CredentialCheck(Schema):
    name: str  # format, signature, issuer, expiry, revocation
    passed: bool
    detail: str


class CredentialVerification(Schema):
    """Each check of a credential and its outcome; `valid` when every one passed."""

    valid: bool
    failed: list[str]
    checks: list[CredentialCheck]
    certificate: CertificateOut | None


class IssuerProfile(Schema):
    """The Open Badges 3.0 Profile of the issuer that signs the credentials."""

    model_config = ConfigDict(populate_by_name=True)

    context: list[str] = Field(alias="@context")
    id: str
    type: list[str]
    name: str
    url: str


class JsonWebKey(Schema):
    kty: str
    n: str
    e: str
    kid: str
    use: str
    alg: str


class JsonWebKeySet(Schema):
    keys: list[JsonWebKey]
