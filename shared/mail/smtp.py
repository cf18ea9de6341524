"""MAIL_TRANSPORT=smtp: straight to an SMTP server (a relay, or a provider's submission port).

One connection per e-mail: the jobs run seconds apart and a held connection would time out
between them. The SMTP dialogue is spelled out (MAIL, RCPT, DATA) rather than sendmail(),
to tell a refused address (5xx on RCPT: rejected for good) from a server that is busy
(4xx: retry), and to keep the server's queue id from its answer to DATA.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr

from shared.config import Settings
from shared.domain.errors import DependencyUnavailableError
from shared.mail.delivery import DeliveryResult, MailTransportUnavailableError
from shared.mail.mime import build_message, sender_domain
from shared.mail.rendering import RenderedEmail
from shared.observability.logging import redact


class SmtpTransport:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        # Verifies the server's certificate and host name against the system's CAs.
        self._tls_context = tls_context

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport:
        return cls(
            settings.SMTP_HOST or "localhost",
            settings.SMTP_PORT,
            sender=settings.MAIL_FROM,
            security=settings.SMTP_SECURITY,
            username=settings.SMTP_USERNAME,
            password=settings.SMTP_PASSWORD,
            timeout=settings.SMTP_TIMEOUT_SECONDS,
        )

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port}, security={self.security})"

    def send(self, email: RenderedEmail, message_id: str) -> DeliveryResult:
        message = build_message(email, message_id, self.sender)
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise self._unavailable(f"login refused ({exc.smtp_code})", exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise self._unavailable("cannot connect", exc) from exc
        polite = True  # say QUIT unless the connection broke (QUIT would wait out the timeout)
        try:
            return self._transact(smtp, email.to, message)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500 and isinstance(exc, smtplib.SMTPDataError):
                return DeliveryResult.rejected(self.name, _reply(exc.smtp_code, exc.smtp_error))
            raise self._unavailable(_reply(exc.smtp_code, exc.smtp_error), exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            polite = isinstance(exc, smtplib.SMTPRecipientsRefused)
            raise self._unavailable("the conversation failed", exc) from exc
        finally:
            # After DATA the mail is the server's: a failing QUIT must not make us send it again.
            if polite:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
            smtp.close()

    def check(self) -> None:
        """Connect, greet (and log in, with STARTTLS when configured), then say QUIT."""
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise self._down(f"login refused ({exc.smtp_code})", exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise self._down("cannot connect", exc) from exc
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()

    def _down(self, what: str, exc: BaseException) -> DependencyUnavailableError:
        return DependencyUnavailableError(
            redact(
                f"SMTP server {self.host}:{self.port}: {what} ({type(exc).__name__}: {exc}); "
                "e-mails wait in the queue — check SMTP_HOST, SMTP_PORT, SMTP_SECURITY and "
                "the credentials"
            )
        )

    def _connect(self) -> smtplib.SMTP:
        # EHLO with the sender's domain: socket.getfqdn() can stall on reverse DNS.
        helo = sender_domain(self.sender)
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=helo,
                timeout=self.timeout,
                context=self._tls(),
            )
        smtp = smtplib.SMTP(self.host, self.port, local_hostname=helo, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=self._tls())
            if self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        return self._tls_context or ssl.create_default_context()

    def _transact(self, smtp: smtplib.SMTP, to: str, message: EmailMessage) -> DeliveryResult:
        sender = parseaddr(self.sender)[1]
        utf8 = not (sender + to).isascii()
        smtp.ehlo_or_helo_if_needed()
        if utf8 and not smtp.has_extn("smtputf8"):
            return DeliveryResult.rejected(
                self.name, "the address is not ASCII and the server does not offer SMTPUTF8"
            )
        code, reply = smtp.mail(sender, ["SMTPUTF8", "BODY=8BITMIME"] if utf8 else [])
        if code != 250:
            # A refused sender is this app's configuration, not this mail: retry, dead-letter.
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.rset()
            if code >= 500:
                return DeliveryResult.rejected(self.name, _reply(code, reply))
            raise smtplib.SMTPRecipientsRefused({"<recipient>": (code, reply)})
        data = message.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
        code, reply = smtp.data(data)  # raises SMTPDataError when DATA itself is refused
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return DeliveryResult.sent(self.name, reply.decode("utf-8", "replace"))

    def _unavailable(self, what: str, exc: BaseException) -> MailTransportUnavailableError:
        return MailTransportUnavailableError(
            redact(
                f"SMTP server {self.host}:{self.port}: {what} ({type(exc).__name__}: {exc}); "
                "the queue retries — if it persists, check SMTP_HOST, SMTP_PORT, "
                "SMTP_SECURITY and the credentials"
            )
        )


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"
