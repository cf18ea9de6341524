"""The params and secrets sendEmail reads, declared once, and read into one RelayConfig per request.

Declared in a module of their own, not in main.py: firebase_functions refuses to declare a param
twice in one process, and the functions framework executes main.py afresh each time it loads it.
Firebase sets each param as an environment variable of the same name (from functions_email/.env*
or a deploy-time prompt) and each secret from Secret Manager (`.secret.local` in the emulator).
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from firebase_functions.params import IntParam, SecretParam, SelectInput, SelectOption, StringParam
from smtp_delivery import SECURITY_MODES, SmtpServer

MIN_SECRET_BYTES = 32

SEND_EMAIL_SIGNING_SECRET = SecretParam(
    "SEND_EMAIL_SIGNING_SECRET",
    description="Shared with the LMS backend: HMAC-SHA256 key of the X-LMS-Signature header.",
)
SMTP_PASSWORD = SecretParam(
    "SMTP_PASSWORD",
    description="Password for SMTP_USERNAME (any value when the server needs no login).",
)
SMTP_HOST = StringParam("SMTP_HOST", description="SMTP server that relays the mail.")
SMTP_PORT = IntParam("SMTP_PORT", default=587, description="587 for starttls, 465 for ssl.")
SMTP_USERNAME = StringParam("SMTP_USERNAME", default="", description="SMTP login; empty: no login.")
SMTP_SECURITY = StringParam(
    "SMTP_SECURITY",
    default="starttls",
    description="starttls, ssl (implicit TLS) or none (local test servers only).",
    input=SelectInput([SelectOption(value=mode) for mode in SECURITY_MODES]),
)
SMTP_TIMEOUT_SECONDS = IntParam(
    "SMTP_TIMEOUT_SECONDS", default=15, description="Timeout of each SMTP network operation."
)
MAIL_FROM = StringParam(
    "MAIL_FROM", description='The From of every message, e.g. "LMS <no-reply@lms.example>".'
)
ALLOWED_RECIPIENT_DOMAINS = StringParam(
    "ALLOWED_RECIPIENT_DOMAINS",
    default="",
    description="Comma-separated domains recipients must belong to; empty: any domain.",
)


class RelayMisconfiguredError(Exception):
    """A param or secret is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class RelayConfig:
    signing_secret: bytes
    smtp: SmtpServer
    mail_from: str
    envelope_from: str
    sender_domain: str
    allowed_recipient_domains: frozenset[str]

    def __repr__(self) -> str:  # never the secrets
        return f"RelayConfig({self.smtp!r}, from={self.mail_from!r})"


def load_config() -> RelayConfig:
    """Read every param now (they are environment variables), or raise RelayMisconfiguredError."""
    secret = SEND_EMAIL_SIGNING_SECRET.value.encode("utf-8")
    if len(secret) < MIN_SECRET_BYTES:
        raise RelayMisconfiguredError(
            f"SEND_EMAIL_SIGNING_SECRET must be at least {MIN_SECRET_BYTES} bytes; "
            "generate one with `openssl rand -hex 32` and set it on both sides."
        )
    mail_from = MAIL_FROM.value.strip()
    _, envelope_from = email.utils.parseaddr(mail_from)
    local, at, domain = envelope_from.rpartition("@")
    if not (local and at and "." in domain) or any(ch in mail_from for ch in "\r\n"):
        raise RelayMisconfiguredError(
            'MAIL_FROM must be an address, e.g. "LMS <no-reply@lms.example>".'
        )
    host = SMTP_HOST.value.strip()
    if not host:
        raise RelayMisconfiguredError("Set SMTP_HOST to the SMTP server that relays the mail.")
    security = SMTP_SECURITY.value.strip().lower()
    if security not in SECURITY_MODES:
        raise RelayMisconfiguredError(
            f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}."
        )
    username = SMTP_USERNAME.value.strip()
    if username and security == "none":
        raise RelayMisconfiguredError(
            "SMTP_SECURITY=none would send SMTP_PASSWORD in clear; use starttls or ssl, "
            "or leave SMTP_USERNAME empty."
        )
    try:
        port, timeout = SMTP_PORT.value, SMTP_TIMEOUT_SECONDS.value
    except ValueError as exc:
        raise RelayMisconfiguredError(
            "SMTP_PORT and SMTP_TIMEOUT_SECONDS must be whole numbers."
        ) from exc
    if not 0 < port < 65536 or timeout <= 0:
        raise RelayMisconfiguredError("SMTP_PORT must be 1-65535 and SMTP_TIMEOUT_SECONDS above 0.")
    return RelayConfig(
        signing_secret=secret,
        smtp=SmtpServer(
            host=host,
            port=port,
            security=security,
            username=username,
            password=SMTP_PASSWORD.value,
            timeout_seconds=float(timeout),
            helo_name=domain.lower(),
        ),
        mail_from=mail_from,
        envelope_from=envelope_from,
        sender_domain=domain.lower(),
        allowed_recipient_domains=frozenset(
            part.strip().lower()
            for part in ALLOWED_RECIPIENT_DOMAINS.value.split(",")
            if part.strip()
        ),
    )
