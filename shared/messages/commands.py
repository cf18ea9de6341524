"""What is asked of a queue: work to do, named in the imperative."""

from __future__ import annotations

import uuid

from shared.messages.base import Message


class IssueCertificate(Message):
    """Issue the certificate of a completed enrollment (once: the enrollment id is unique)."""

    type = "certificate.issue"
    queues = ("certificates",)

    enrollment_id: uuid.UUID
