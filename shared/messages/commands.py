"""What is asked of a queue: work to do, named in the imperative."""

from __future__ import annotations

import uuid

from shared.messages.base import Message


class IssueCertificate(Message):
    """Issue the certificate of a completed enrollment (once: the enrollment id is unique)."""

    type = "certificate.issue"
    queues = ("certificates",)

    enrollment_id: uuid.UUID


class RenderCertificate(Message):
    """Render an issued certificate's PDF into Blob storage and sign its credential (once:
    a certificate that has its PDF is left alone), then tell the student and subscribers."""

    type = "certificate.render"
    queues = ("certificates",)

    certificate_id: uuid.UUID


class SendPasswordResetLink(Message):
    """E-mail a password reset link to `email` if it is an active account, within the
    address's mail budget. Forgot-password publishes it for any address, so its answer costs
    the same whether an account exists or not."""

    type = "password_reset_link.send"
    queues = ("emails",)

    email: str


class SendVerificationLink(Message):
    """E-mail a verification link to `email` if it is an active, unverified account, within
    the address's mail budget (published for any address, as SendPasswordResetLink is)."""

    type = "verification_link.send"
    queues = ("emails",)

    email: str
