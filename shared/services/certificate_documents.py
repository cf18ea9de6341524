"""A certificate's documents: the PDF in Blob storage and the signed credential beside it.

The certificates queue renders both once per certificate (`render_certificate`): the PDF goes
to the `certificates` container under `<certificate id>.pdf` (a name a retry overwrites, so a
commit that fails after the upload leaves nothing behind but the same bytes), the credential
into the row, and only then are the student (with the verification link) and the webhook
subscribers told that the certificate is issued. Nothing is ever written to the function's
own disk.

Downloading hands out the PDF itself where the store has no links (a local folder), and in
Azure a short-lived read-only link (SAS) to the blob, answered as a 307 redirect: the bytes
then flow from Blob storage to the client without passing through the function.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import select

from shared.documents.certificate_pdf import CertificateDocument, render_certificate_pdf
from shared.domain.enrollments import Certificate
from shared.domain.errors import ResourceConflictError
from shared.domain.users import User
from shared.messages.commands import RenderCertificate
from shared.messages.emails import CertificateIssuedEmail
from shared.messages.events import CertificateIssued
from shared.schemas.certificates import CredentialOut
from shared.security.permissions import Actor
from shared.services.certificate_credentials import credential_claims, sign
from shared.services.certificate_views import CertificateRow, find_certificate, viewable_certificate
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.certificates")

PDF = "application/pdf"
NOT_READY = (
    "This certificate is still being prepared; try again in a minute. "
    "Its student is e-mailed when it is ready."
)


@dataclass(frozen=True)
class CertificateFile:
    """What a download answers: a link to the PDF, or its bytes."""

    filename: str
    content_type: str
    url: str | None
    data: bytes | None


def verify_url(deps: Dependencies, certificate_number: str) -> str:
    return f"{deps.settings.certificate_verify_base_url}/{quote(certificate_number, safe='')}"


def render_certificate(uow: UnitOfWork, message: RenderCertificate, deps: Dependencies) -> None:
    """The queue's handler: render, store and sign a certificate once, then announce it.

    Rendering (up to a second for the first PDF of a process) and the upload hold no
    transaction: what the PDF shows is read, the read ends, the PDF is made and stored under
    the certificate's own name, then a new transaction checks under a lock that nobody
    rendered or revoked it meanwhile before recording it."""
    certificate = _renderable(uow, message.certificate_id)
    if certificate is None:
        return
    row = find_certificate(uow.session, certificate.id)
    instructor_name = uow.session.scalar(select(User.full_name).where(User.id == row.instructor_id))
    assert instructor_name is not None  # the foreign key holds
    link = verify_url(deps, certificate.certificate_number)
    document = CertificateDocument(
        student_name=row.student_name,
        course_title=row.course_title,
        instructor_name=instructor_name,
        completion_date=certificate.completion_date,
        certificate_number=certificate.certificate_number,
        verify_url=link,
        issuer_name=deps.settings.APP_NAME,
    )
    claims = credential_claims(row, instructor_name, deps.settings)
    name = f"{certificate.id}.pdf"
    uow.rollback()  # only reads so far
    deps.certificate_blobs.put(name, render_certificate_pdf(document), PDF)
    certificate = _renderable(uow, message.certificate_id, lock=True)
    if certificate is None:
        return
    certificate.credential = sign(claims, deps.settings, deps.signing_key)
    certificate.pdf_blob_name = name
    student = uow.session.get(User, certificate.student_id)
    assert student is not None  # the foreign key holds
    announce(uow, find_certificate(uow.session, certificate.id), student, link)


def _renderable(
    uow: UnitOfWork, certificate_id: uuid.UUID, *, lock: bool = False
) -> Certificate | None:
    """The certificate, if it still waits for its PDF; None (logged) otherwise."""
    certificate = uow.session.get(Certificate, certificate_id, with_for_update=lock)
    if certificate is None or certificate.pdf_blob_name is not None or certificate.is_revoked:
        state = "missing" if certificate is None else "revoked" if certificate.is_revoked else None
        log.info(
            "certificate %s not rendered: it is %s", certificate_id, state or "rendered already"
        )
        return None
    return certificate


def announce(uow: UnitOfWork, row: CertificateRow, student: User, link: str) -> None:
    """The certificate mail to the student, and the webhook event."""
    certificate = row.certificate
    uow.publish(
        CertificateIssuedEmail(
            to=student.email,
            full_name=student.full_name,
            course_id=certificate.course_id,
            course_title=row.course_title,
            certificate_id=certificate.id,
            certificate_number=certificate.certificate_number,
            verify_url=link,
        )
    )
    uow.publish(
        CertificateIssued(
            certificate_id=certificate.id,
            certificate_number=certificate.certificate_number,
            enrollment_id=certificate.enrollment_id,
            student_id=certificate.student_id,
            course_id=certificate.course_id,
            issued_at=certificate.issued_at,
        )
    )


def download(
    uow: UnitOfWork, deps: Dependencies, actor: Actor, certificate_id: str
) -> CertificateFile:
    """The certificate's PDF, or a short-lived link to it, for those who may see it."""
    certificate = viewable_certificate(uow, actor, certificate_id).certificate
    if certificate.pdf_blob_name is None:
        raise ResourceConflictError(NOT_READY)
    filename = f"{certificate.certificate_number}.pdf"
    store = deps.certificate_blobs
    url = store.download_url(
        certificate.pdf_blob_name,
        filename=filename,
        content_type=PDF,
        expires_in=deps.settings.CERTIFICATE_DOWNLOAD_LINK_SECONDS,
    )
    if url is not None:
        return CertificateFile(filename, PDF, url, None)
    return CertificateFile(filename, PDF, None, store.get(certificate.pdf_blob_name))


def credential(uow: UnitOfWork, actor: Actor, certificate_id: str) -> CredentialOut:
    """The certificate's signed credential, for those who may see the certificate."""
    certificate = viewable_certificate(uow, actor, certificate_id).certificate
    if certificate.credential is None:
        raise ResourceConflictError(NOT_READY)
    return CredentialOut(credential=certificate.credential)
