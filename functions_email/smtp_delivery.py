"""Hand one message to an SMTP server and report what the server said.

smtplib's sendmail() hides the server's reply to DATA, which carries the queue id, and delivers
to the recipients it can; this module uses the MAIL/RCPT/DATA steps itself and sends to all
recipients or to none.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

Security = Literal["starttls", "ssl", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "ssl", "none")

# Postfix, Sendmail and most relays: "250 2.0.0 Ok: queued as 4bXyZ1";
# Exim: "250 OK id=1tAbCd-000Xy-9Z".
_QUEUE_ID = re.compile(r"(?:queued as|\bid=)\s*<?([A-Za-z0-9._@-]+)>?", re.IGNORECASE)
# RFC 5322 msg-id left part: atext only. Other characters of a message id are written =XX.
_MSG_ID_SAFE = re.compile(r"[A-Za-z0-9_-]")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    username: str
    password: str
    timeout_seconds: float
    helo_name: str

    def __repr__(self) -> str:  # never the password
        return f"SmtpServer({self.host}:{self.port}, {self.security}, user={self.username!r})"


@dataclass(frozen=True)
class Accepted:
    """The server took the message: its final reply to DATA, and the queue id parsed from it."""

    reply: str
    queue_id: str | None


class SmtpDeliveryError(Exception):
    """The message was not handed over. `permanent`: sending it again will fail the same way."""

    error = "smtp_error"

    def __init__(self, detail: str, *, permanent: bool, smtp_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.smtp_code = smtp_code

    def as_body(self) -> dict[str, object]:
        return {
            "error": self.error,
            "detail": self.detail,
            "permanent": self.permanent,
            "smtp_code": self.smtp_code,
        }


class SmtpRejectedError(SmtpDeliveryError):
    """The server answered MAIL, RCPT or DATA with a refusal (4xx transient, 5xx permanent)."""

    error = "smtp_rejected"


class SmtpUnavailableError(SmtpDeliveryError):
    """No usable session: connection refused or timed out, TLS or login failed, dropped."""

    error = "smtp_unavailable"


def message_id_header(message_id: str, domain: str) -> str:
    """`<id@domain>`, with characters that may not appear in a msg-id written as =XX."""
    left = "".join(ch if _MSG_ID_SAFE.fullmatch(ch) else f"={ord(ch):02X}" for ch in message_id)
    return f"<{left}@{domain}>"


def build_message(
    *,
    mail_from: str,
    to: list[str],
    subject: str,
    text: str,
    html: str | None,
    reply_to: str | None,
    message_id: str,
    sender_domain: str,
    date: datetime,
) -> EmailMessage:
    """text/plain alone, or multipart/alternative (text/plain then text/html) when html is given.

    The Message-ID is derived from the caller's message id and the sender's domain, so every
    attempt at one message carries the same Message-ID and receivers can drop a duplicate.
    """
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(date)
    message["Message-ID"] = message_id_header(message_id, sender_domain)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def queue_id_from_reply(reply: str) -> str | None:
    match = _QUEUE_ID.search(reply)
    return match.group(1) if match else None


def deliver(
    server: SmtpServer,
    envelope_from: str,
    recipients: list[str],
    message: bytes,
    ssl_context: ssl.SSLContext | None = None,
) -> Accepted:
    """Send `message` to every recipient in one SMTP transaction, or raise SmtpDeliveryError."""
    context = ssl_context or ssl.create_default_context()
    try:
        client = _connect(server, context)
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailableError(
            f"Could not reach the SMTP server at {server.host}:{server.port} ({exc!r}); "
            "check SMTP_HOST, SMTP_PORT and SMTP_SECURITY.",
            permanent=False,
        ) from exc
    try:
        _open_session(client, server, context)
        _expect(client.mail(envelope_from), (250,), "MAIL FROM")
        for recipient in recipients:
            # One refused recipient abandons the whole transaction: all receive it, or none.
            _expect(client.rcpt(recipient), (250, 251), f"RCPT TO <{recipient}>")
        code, reply = client.data(message)
        _expect((code, reply), (250,), "DATA")
    except SmtpDeliveryError:
        _close(client)
        raise
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise SmtpUnavailableError(
            f"The SMTP server refused the login ({exc.smtp_code}); check SMTP_USERNAME and "
            "SMTP_PASSWORD.",
            permanent=False,
            smtp_code=exc.smtp_code,
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        _close(client)
        raise SmtpUnavailableError(
            f"The SMTP server does not support what the settings ask for ({exc}); "
            "check SMTP_SECURITY and SMTP_USERNAME.",
            permanent=False,
        ) from exc
    except smtplib.SMTPResponseException as exc:
        _close(client)
        raise SmtpRejectedError(
            f"The SMTP server answered {exc.smtp_code}: {_text(exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
            smtp_code=exc.smtp_code,
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        # Dropped or timed out mid-session; after DATA it is unknown whether the server kept
        # the message, and the caller's retry may deliver it twice (at least once, not at most).
        _close(client)
        raise SmtpUnavailableError(
            f"The SMTP session with {server.host}:{server.port} failed ({exc!r}).",
            permanent=False,
        ) from exc
    _close(client)  # the message is accepted; a failing QUIT changes nothing
    text = _text(reply)
    return Accepted(reply=f"{code} {text}", queue_id=queue_id_from_reply(text))


def _connect(server: SmtpServer, context: ssl.SSLContext) -> smtplib.SMTP:
    # helo_name is given so smtplib does not look up this host's FQDN (a DNS query per start).
    if server.security == "ssl":
        return smtplib.SMTP_SSL(
            server.host,
            server.port,
            local_hostname=server.helo_name,
            timeout=server.timeout_seconds,
            context=context,
        )
    return smtplib.SMTP(
        server.host, server.port, local_hostname=server.helo_name, timeout=server.timeout_seconds
    )


def _open_session(client: smtplib.SMTP, server: SmtpServer, context: ssl.SSLContext) -> None:
    client.ehlo_or_helo_if_needed()
    if server.security == "starttls":
        client.starttls(context=context)
        client.ehlo()
    if server.username:
        client.login(server.username, server.password)


def _expect(answer: tuple[int, bytes], accepted: tuple[int, ...], step: str) -> None:
    code, reply = answer
    if code not in accepted:
        raise SmtpRejectedError(
            f"The SMTP server refused {step}: {code} {_text(reply)}",
            permanent=code >= 500,
            smtp_code=code,
        )


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
