"""Reading certificates: the student's list, a course's list, the public checks, and who may
see one.

Who may see (download, read the credential of) a certificate: its student, an admin, and the
instructor of its course while they are an instructor (the reference refused instructors).
A revoked certificate is gone for all of them (410, with when and why), but the public checks
still answer for it, as revoked, so whoever was shown it learns that it no longer counts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shared.documents.certificate_pdf import display_date
from shared.domain.courses import Course
from shared.domain.enrollments import Certificate
from shared.domain.errors import AccessDeniedError, ResourceGoneError, ResourceNotFoundError
from shared.domain.users import User
from shared.schemas.certificates import CertificateList, CertificateOut, CertificateVerification
from shared.security.permissions import Actor
from shared.services.course_access import is_owner, load_course, require_manager
from shared.services.ids import parse_id
from shared.uow import UnitOfWork

CERTIFICATE_NOT_FOUND = "Certificate not found"
NOT_VIEWER = "Not authorized to access this certificate"
VALID = "Certificate is valid"


@dataclass(frozen=True)
class CertificateRow:
    """A certificate with the names shown beside it."""

    certificate: Certificate
    student_name: str
    course_title: str
    instructor_id: uuid.UUID


def _rows() -> Select[tuple[Certificate, str, str, uuid.UUID]]:
    return (
        select(Certificate, User.full_name, Course.title, Course.instructor_id)
        .join(User, User.id == Certificate.student_id)
        .join(Course, Course.id == Certificate.course_id)
    )


def _one(
    session: Session, query: Select[tuple[Certificate, str, str, uuid.UUID]]
) -> CertificateRow:
    row = session.execute(query).one_or_none()
    if row is None:
        raise ResourceNotFoundError(CERTIFICATE_NOT_FOUND)
    return CertificateRow(*row)


def find_certificate(session: Session, certificate_id: str | uuid.UUID) -> CertificateRow:
    identifier = parse_id(certificate_id, CERTIFICATE_NOT_FOUND)
    return _one(session, _rows().where(Certificate.id == identifier))


def certificate_out(row: CertificateRow) -> CertificateOut:
    certificate = row.certificate
    return CertificateOut(
        id=certificate.id,
        certificate_number=certificate.certificate_number,
        student_id=certificate.student_id,
        course_id=certificate.course_id,
        completion_date=certificate.completion_date,
        issued_at=certificate.issued_at,
        pdf_url=f"/api/v1/certificates/{certificate.id}/download",
        is_revoked=certificate.is_revoked,
        revoked_at=certificate.revoked_at,
        revocation_reason=certificate.revocation_reason,
        student_name=row.student_name,
        course_title=row.course_title,
    )


def revocation_notice(certificate: Certificate) -> str:
    assert certificate.revoked_at is not None
    return (
        f"Certificate {certificate.certificate_number} was revoked on "
        f"{display_date(certificate.revoked_at)}: {certificate.revocation_reason}"
    )


def may_view(actor: Actor, row: CertificateRow) -> bool:
    if actor.is_admin or actor.id == row.certificate.student_id:
        return True
    return is_owner(actor, row.instructor_id)


def viewable_certificate(uow: UnitOfWork, actor: Actor, certificate_id: str) -> CertificateRow:
    """The certificate, for its student, the course's instructor or an admin; 410 if revoked."""
    row = find_certificate(uow.session, certificate_id)
    if not may_view(actor, row):
        raise AccessDeniedError(NOT_VIEWER)
    if row.certificate.is_revoked:
        raise ResourceGoneError(revocation_notice(row.certificate))
    return row


def my_certificates(uow: UnitOfWork, actor: Actor) -> CertificateList:
    """The caller's valid certificates, newest first (revoked ones are not theirs to show)."""
    rows = uow.session.execute(
        _rows()
        .where(Certificate.student_id == actor.id, Certificate.is_revoked.is_(False))
        .order_by(Certificate.issued_at.desc(), Certificate.id)
    ).all()
    certificates = [certificate_out(CertificateRow(*row)) for row in rows]
    return CertificateList(certificates=certificates, total=len(certificates))


def course_certificates(uow: UnitOfWork, actor: Actor, course_id: str) -> CertificateList:
    """Every certificate of a course, revoked ones too, newest first: for its managers."""
    course = load_course(uow.session, course_id)
    require_manager(actor, course, "Not authorized to view this course's certificates")
    query = _rows().where(Certificate.course_id == course.id)
    rows = uow.session.execute(query.order_by(Certificate.issued_at.desc(), Certificate.id)).all()
    total = uow.session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.course_id == course.id)
    )
    return CertificateList(
        certificates=[certificate_out(CertificateRow(*row)) for row in rows], total=total or 0
    )


def verify_number(uow: UnitOfWork, certificate_number: str) -> CertificateVerification:
    """The public check by number: always an answer, never an error."""
    query = _rows().where(Certificate.certificate_number == certificate_number.strip().upper())
    row = uow.session.execute(query).one_or_none()
    if row is None:
        return CertificateVerification(
            valid=False, certificate=None, message="Certificate not found"
        )
    found = CertificateRow(*row)
    if found.certificate.is_revoked:
        return CertificateVerification(
            valid=False,
            certificate=certificate_out(found),
            message=revocation_notice(found.certificate),
        )
    return CertificateVerification(valid=True, certificate=certificate_out(found), message=VALID)


def verify_id(uow: UnitOfWork, certificate_id: str) -> CertificateOut:
    """The public check by id: the certificate, 404 when there is none, 410 when revoked."""
    try:
        row = find_certificate(uow.session, certificate_id)
    except ResourceNotFoundError:
        raise ResourceNotFoundError("Certificate not found or invalid") from None
    if row.certificate.is_revoked:
        raise ResourceGoneError(revocation_notice(row.certificate))
    return certificate_out(row)
