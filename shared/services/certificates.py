"""The `certificates` queue's handler: one certificate per completed enrollment.

Issuing is idempotent twice over: the consumer's inbox drops a redelivered message, and an
enrollment that already has its certificate (enrollment_id is unique) gets nothing new. The
enrollment row is locked while deciding, so two copies racing on two instances issue one.
Numbers are CERT-<YYYYMMDD UTC>-<10 upper-case hex digits> (the reference used 6, with no
retry); a collision with an existing number is retried with a new one inside a SAVEPOINT, so
the rest of the transaction survives it. HTTP routes for certificates live elsewhere.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.enrollments import Certificate, Enrollment, EnrollmentStatus
from shared.domain.users import User
from shared.messages.commands import IssueCertificate
from shared.messages.emails import CertificateIssuedEmail
from shared.messages.events import CertificateIssued
from shared.services.progress import Learner
from shared.uow import UnitOfWork

log = logging.getLogger("lms.certificates")

NUMBER_ATTEMPTS = 5


def certificate_number(now: datetime) -> str:
    return f"CERT-{now:%Y%m%d}-{secrets.token_hex(5).upper()}"


def issue_certificate(uow: UnitOfWork, message: IssueCertificate) -> None:
    session = uow.session
    enrollment_id = message.enrollment_id
    row = session.execute(
        select(Enrollment, Course.title, User.email, User.full_name)
        .join(Course, Course.id == Enrollment.course_id)
        .join(User, User.id == Enrollment.student_id)
        .where(Enrollment.id == enrollment_id)
        .with_for_update(of=Enrollment)
    ).one_or_none()
    if row is None or row[0].status != EnrollmentStatus.COMPLETED.value:
        log.warning(
            "certificate for enrollment %s not issued: the enrollment is %s",
            enrollment_id,
            "missing" if row is None else row[0].status,
        )
        return
    enrollment, course_title, email, full_name = row
    if session.scalar(select(Certificate.id).where(Certificate.enrollment_id == enrollment_id)):
        log.info("enrollment %s already has its certificate; nothing issued", enrollment_id)
        return
    now = uow.clock()
    certificate = _insert_certificate(session, enrollment, now)
    enrollment.certificate_issued_at = now
    enrollment.updated_at = now
    announce(uow, certificate, course_title, Learner(email, full_name))


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


def announce(
    uow: UnitOfWork, certificate: Certificate, course_title: str, learner: Learner
) -> None:
    """The certificate mail to the student, and the webhook event."""
    uow.publish(
        CertificateIssuedEmail(
            to=learner.email,
            full_name=learner.full_name,
            course_id=certificate.course_id,
            course_title=course_title,
            certificate_id=certificate.id,
            certificate_number=certificate.certificate_number,
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
