"""/api/v1/certificates: a student's certificates, downloading them, checking them in public
(by number, by id, or as a signed credential), revoking them, and a course's certificates for
its instructor."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import ADMIN, AUTHENTICATED, PUBLIC, Actor, Router, WithStatus
from shared.schemas.certificates import (
    CertificateList,
    CertificateOut,
    CertificateRevoke,
    CertificateVerification,
    CredentialOut,
    CredentialVerification,
    CredentialVerify,
    IssuerProfile,
    JsonWebKeySet,
)
from shared.services import certificate_credentials, certificate_documents, certificate_views
from shared.services.certificates import generate_certificate, revoke_certificate
from shared.storage import attachment
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/certificates", access=AUTHENTICATED)
courses_api = Router(bp, "api/v1/courses", access=AUTHENTICATED)

CERTIFICATE = "{certificate_id:guid}"


@api.get("my-certificates")
def certificates_mine(actor: Actor, uow: UnitOfWork) -> CertificateList:
    """The caller's valid certificates, newest first."""
    return certificate_views.my_certificates(uow, actor)


@api.get(CERTIFICATE + "/download", other_statuses=(307,), media_type="application/pdf")
def certificates_download(
    certificate_id: str, actor: Actor, uow: UnitOfWork, deps: Dependencies
) -> func.HttpResponse:
    """The PDF, or a 307 to a short-lived link to it: for its student, the course's
    instructor and admins; 410 once revoked."""
    file = certificate_documents.download(uow, deps, actor, certificate_id)
    if file.url is not None:
        return func.HttpResponse(
            status_code=307, headers={"Location": file.url, "Cache-Control": "no-store"}
        )
    return func.HttpResponse(
        body=file.data,
        status_code=200,
        mimetype=file.content_type,
        headers={
            "Content-Disposition": attachment(file.filename),
            "Cache-Control": "private, no-store",
        },
    )


@api.get(CERTIFICATE + "/credential")
def certificates_credential(certificate_id: str, actor: Actor, uow: UnitOfWork) -> CredentialOut:
    """The certificate as an Open Badges 3.0 credential signed as a VC-JWT (RS256)."""
    return certificate_documents.credential(uow, actor, certificate_id)


@api.get("verify/{certificate_number:maxlength(50)}", access=PUBLIC)
def certificates_verify(certificate_number: str, uow: UnitOfWork) -> CertificateVerification:
    """Whether a certificate number is valid (always 200; revoked ones say when and why)."""
    return certificate_views.verify_number(uow, certificate_number)


@api.get("public/verify/" + CERTIFICATE, access=PUBLIC)
def certificates_public_verify(certificate_id: str, uow: UnitOfWork) -> CertificateOut:
    """A valid certificate by id: 404 when unknown, 410 (with when and why) when revoked."""
    return certificate_views.verify_id(uow, certificate_id)


@api.post("verify-credential", access=PUBLIC)
def certificates_verify_credential(
    body: CredentialVerify, uow: UnitOfWork, deps: Dependencies
) -> CredentialVerification:
    """Check a credential's signature, issuer, expiry and revocation; say which failed."""
    return certificate_credentials.verify(uow, deps.settings, deps.signing_key, body.credential)


@api.get("issuer", access=PUBLIC)
def certificates_issuer(deps: Dependencies) -> IssuerProfile:
    """The Open Badges 3.0 profile of the issuer of the credentials."""
    return certificate_credentials.issuer_profile(deps.settings)


@api.get("jwks", access=PUBLIC)
def certificates_jwks(deps: Dependencies) -> JsonWebKeySet:
    """The public keys that verify the credentials (a JWK Set; `kid` names each)."""
    return certificate_credentials.key_set(deps.settings, deps.signing_key)


@api.post(CERTIFICATE + "/revoke", access=ADMIN)
def certificates_revoke(
    certificate_id: str, body: CertificateRevoke, uow: UnitOfWork
) -> CertificateOut:
    """Revoke a certificate for good, with a reason (admins)."""
    return revoke_certificate(uow, certificate_id, body)


@api.post("enrollments/{enrollment_id:guid}/generate", status=201, other_statuses=(200,))
def certificates_generate(
    enrollment_id: str, actor: Actor, uow: UnitOfWork
) -> WithStatus[CertificateOut]:
    """Issue a completed enrollment's certificate: 201 when new, 200 with the existing one."""
    certificate, created = generate_certificate(uow, actor, enrollment_id)
    return WithStatus(certificate, 201 if created else 200)


@courses_api.get("{course_id:guid}/certificates")
def certificates_course_list(course_id: str, actor: Actor, uow: UnitOfWork) -> CertificateList:
    """A course's certificates, revoked ones too, for its instructor and admins."""
    return certificate_views.course_certificates(uow, actor, course_id)
