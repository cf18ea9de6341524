"""The one interface every transport offers, and what it answers (shared/bootstrap.py builds
the transport MAIL_TRANSPORT names).

    result = deps.mail.send(email, message_id)   # DeliveryResult, or raises

Two outcomes are answers, one is an exception:
- sent: the receiving side took the message (its id in `transport_id`);
- rejected: it refused this message for good (an unknown mailbox: SMTP 5xx on RCPT, the
  sendEmail function's 502 with `permanent: true`); retrying would only be refused again;
- MailTransportUnavailableError: anything that may pass (connection refused, timeout, SMTP
  4xx, sendEmail 4xx/5xx that is not permanent). The queue redelivers, then dead-letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from shared.mail.rendering import RenderedEmail

MAX_REASON_LENGTH = 500
MAX_TRANSPORT_ID_LENGTH = 255


class MailTransportUnavailableError(RuntimeError):
    """The mail could not be handed over now; the queue retries it later."""


@dataclass(frozen=True)
class DeliveryResult:
    status: Literal["sent", "rejected"]
    transport: str
    transport_id: str | None = None
    reason: str | None = None

    @classmethod
    def sent(cls, transport: str, transport_id: str | None) -> DeliveryResult:
        short_id = transport_id[:MAX_TRANSPORT_ID_LENGTH] if transport_id else None
        return cls("sent", transport, short_id)

    @classmethod
    def rejected(cls, transport: str, reason: str) -> DeliveryResult:
        return cls("rejected", transport, None, reason[:MAX_REASON_LENGTH])


class Transport(Protocol):
    name: str

    def send(self, email: RenderedEmail, message_id: str) -> DeliveryResult:
        """Hand one e-mail over, its Message-ID made from `message_id` (the queue message id,
        so a receiver can drop a copy sent twice)."""
        ...

    def check(self) -> None:
        """Raise DependencyUnavailableError, with a reason safe to show, when this transport
        cannot deliver now (readiness and `lms jobs status` report it)."""
        ...
