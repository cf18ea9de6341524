"""Issuing and revoking certificates: one certificate per completed enrollment.

A certificate is issued by the `certificates` queue when an enrollment completes, or by
POST .../enrollments/{id}/generate. Issuing is idempotent twice over: the consumer's inbox
drops a redelivered message, and an enrollment that already has its certificate
(enrollment_id is unique) gets nothing new. The enrollment row is locked while deciding, so
two copies racing on two instances issue one (SQLite transactions take the write lock at
BEGIN, so there they run one after the other).
Numbers are CERT-<YYYYMMDD UTC>-<10 upper-case hex digits> (the reference used 6, with no
retry); a collision with an existing number is retried with a new one inside a SAVEPOINT, so
the rest of the transaction survives it.

Issuing writes the row and asks the queue to render it (RenderCertificate): the PDF and the
signed credential are made there, once, and only then are the student and the webhook
subscribers told (shared/services/certificate_documents.py). Revocation is final.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.documents.certificate_pdf import display_date
from shared.domain.courses import Course
from shared.domain.enrollments import Certificate, Enrollment, EnrollmentStatus
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.users import User
from shared.messages.commands import IssueCertificate, RenderCertificate
from shared.messages.emails import CertificateRevokedEmail
from shared.messages.events import CertificateRevoked
from shared.schemas.certificates import CertificateOut, CertificateRevoke
from shared.security.permissions import Actor
from shared.services.certificate_views import (
    certificate_out,
    find_certificate,
    revocation_notice,
)
from shared.services.course_access import is_owner
from shared.services.ids import parse_id
from shared.uow import UnitOfWork

log = logging.getLogger("lms.certificates")

NUMBER_ATTEMPTS = 5
CERTIFICATE_NOT_FOUND = "Certificate not found"
ENROLLMENT_NOT_FOUND = "Enrollment not found"


def certificate_number(now: datetime) -> str:
    return f"CERT-{now:%Y%m%d}-{secrets.token_hex(5).upper()}"


def issue_certificate(uow: UnitOfWork, message: IssueCertificate) -> None:
    """The queue's handler: issue the certificate of a completed enrollment, once."""
    found = _locked_enrollment(uow.session, message.enrollment_id)
    if found is None or found[0].status != EnrollmentStatus.COMPLETED.value:
        log.warning(
            "certificate for enrollment %s not issued: the enrollment is %s",
            message.enrollment_id,
            "missing" if found is None else found[0].status,
        )
        return
    _certificate, created = _issue(uow, found[0])
    if not created:
        log.info("enrollment %s already has its certificate; nothing issued", message.enrollment_id)


def generate_certificate(
    uow: UnitOfWork, actor: Actor, enrollment_id: str
) -> tuple[CertificateOut, bool]:
    """The enrollment's certificate, issued now if it has none; whether this call issued it.

    For the enrollment's student, the course's instructor and admins."""
    found = _locked_enrollment(uow.session, parse_id(enrollment_id, ENROLLMENT_NOT_FOUND))
    if found is None:
        raise ResourceNotFoundError(ENROLLMENT_NOT_FOUND)
    enrollment, instructor_id = found
    if not (actor.is_admin or actor.id == enrollment.student_id or is_owner(actor, instructor_id)):
        raise AccessDeniedError("Not authorized to generate a certificate for this enrollment")
    if enrollment.status != EnrollmentStatus.COMPLETED.value:
        raise RuleViolationError("Enrollment is not complete yet")
    certificate, created = _issue(uow, enrollment)
    uow.commit()
    return certificate_out(find_certificate(uow.session, certificate.id)), created


def revoke_certificate(
    uow: UnitOfWork, certificate_id: str, data: CertificateRevoke
) -> CertificateOut:
    """Revoke a certificate for good, saying why; the student and subscribers are told."""
    identifier = parse_id(certificate_id, CERTIFICATE_NOT_FOUND)
    locked = uow.session.get(Certificate, identifier, with_for_update=True)
    if locked is None:
        raise ResourceNotFoundError(CERTIFICATE_NOT_FOUND)
    if locked.is_revoked:
        raise ResourceConflictError(f"{revocation_notice(locked)}. Revocation is final.")
    now = uow.clock()
    locked.revoke(now, data.reason)
    row = find_certificate(uow.session, identifier)
    student = uow.session.get(User, locked.student_id)
    assert student is not None  # the foreign key holds
    uow.publish(
        CertificateRevokedEmail(
            to=student.email,
            full_name=student.full_name,
            course_id=locked.course_id,
            course_title=row.course_title,
            certificate_number=locked.certificate_number,
            revoked_at=display_date(now),
            reason=data.reason,
        )
    )
    uow.publish(
        CertificateRevoked(
            certificate_id=locked.id,
            certificate_number=locked.certificate_number,
            enrollment_id=locked.enrollment_id,
            student_id=locked.student_id,
            course_id=locked.course_id,
            revoked_at=now,
            reason=data.reason,
        )
    )
    uow.commit()
    return certificate_out(row)


def _locked_enrollment(
    session: Session, enrollment_id: uuid.UUID
) -> tuple[Enrollment, uuid.UUID] | None:
    """The enrollment, locked until the transaction ends, and its course's instructor."""
    row = session.execute(
        select(Enrollment, Course.instructor_id)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.id == enrollment_id)
        .with_for_update(of=Enrollment)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def _issue(uow: UnitOfWork, enrollment: Enrollment) -> tuple[Certificate, bool]:
    """The enrollment's certificate, and whether it was issued now (then rendering is asked)."""
    session = uow.session
    existing = session.scalar(select(Certificate).where(Certificate.enrollment_id == enrollment.id))
    if existing is not None:
        return existing, False
    now = uow.clock()
    certificate = _insert_certificate(session, enrollment, now)
    enrollment.certificate_issued_at = now
    enrollment.updated_at = now
    uow.publish(RenderCertificate(certificate_id=certificate.id))
    return certificate, True


def _insert_certificate(session: Session, enrollment: Enrollment, now: datetime) -> Certificate:
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        certificate = Certificate(
            id=uuid.uuid4(),
            certificate_number=certificate_number(now),
            enrollment_id=enrollment.id,
            student_id=enrollment.student_id,
            course_id=enrollment.course_id,
            completion_date=enrollment.completed_at or now,
            issued_at=now,
            is_revoked=False,
        )
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            # The savepoint is rolled back; the enrollment lock rules out a second certificate
            # for it, so the clash is the number: draw another.
            log.warning("certificate number clash (attempt %d); drawing another", attempt)
            continue
        return certificate
    raise RuntimeError(f"no free certificate number after {NUMBER_ATTEMPTS} attempts")
