"""What makes settings wrong: in any environment, and for production.

shared/config.py reads the settings and refuses to start with any problem found here. The
development defaults live here too, because production refuses exactly them.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.config import Settings

# Values shipped in samples and docs; a production key must never be one of them.
# Signs local development tokens only: production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105
PLACEHOLDER_SECRET_KEYS = frozenset(
    {
        "",
        DEVELOPMENT_SECRET_KEY,
        "change-me",
        "changeme",
        "secret",
        "your-secret-key",
    }
)
MIN_PRODUCTION_SECRET_KEY_LENGTH = 32
# OWASP's minimum argon2id cost (m=19 MiB, t=2, p=1); cheaper settings are for tests only.
MIN_PRODUCTION_HASH_MEMORY_KIB = 19_456
MIN_PRODUCTION_HASH_TIME_COST = 2
# A sender no receiving server accepts mail from: fine for a Maildir, refused in production.
DEVELOPMENT_MAIL_FROM = "LMS <no-reply@lms.local>"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def production_problems(settings: Settings) -> list[str]:
    """What makes these settings unsafe to run in production; empty when they are fine."""
    if not settings.is_production:
        return []
    problems = []
    key = settings.SECRET_KEY
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS or "change-me" in key.lower():
        problems.append(
            "SECRET_KEY is a placeholder: generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    elif len(key) < MIN_PRODUCTION_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY has {len(key)} characters; production needs at least "
            f"{MIN_PRODUCTION_SECRET_KEY_LENGTH} random ones"
        )
    metrics_token = settings.METRICS_TOKEN
    if metrics_token is not None and len(metrics_token) < MIN_PRODUCTION_SECRET_KEY_LENGTH:
        problems.append(
            f"METRICS_TOKEN has {len(metrics_token)} characters; production needs at least "
            f"{MIN_PRODUCTION_SECRET_KEY_LENGTH} random ones (or leave it unset: no /metrics)"
        )
    remote_database = not settings.is_sqlite and not is_loopback(settings.DATABASE_URL)
    if remote_database and settings.database_tls != "verify-full":
        problems.append(
            f"DATABASE_SSLMODE={settings.DATABASE_SSLMODE} does not check the database "
            "server's certificate; use verify-full (the default for a remote host)"
        )
    if settings.is_sqlite:
        problems.append(
            "DATABASE_URL points at SQLite, which one process owns; "
            "use postgresql+pg8000://... in production"
        )
    if settings.STORAGE == "local":
        problems.append(
            "STORAGE=local keeps files on one instance's disk; set STORAGE=azure "
            "and AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL"
        )
    if (
        settings.PASSWORD_HASH_MEMORY_KIB < MIN_PRODUCTION_HASH_MEMORY_KIB
        or settings.PASSWORD_HASH_TIME_COST < MIN_PRODUCTION_HASH_TIME_COST
    ):
        problems.append(
            "PASSWORD_HASH_MEMORY_KIB/PASSWORD_HASH_TIME_COST are below OWASP's minimum for "
            f"argon2id ({MIN_PRODUCTION_HASH_MEMORY_KIB} KiB, {MIN_PRODUCTION_HASH_TIME_COST} "
            "iterations); unset them to use the defaults"
        )
    if "CERTIFICATE_SIGNING_KEY" not in settings.model_fields_set:
        problems.append(
            "CERTIFICATE_SIGNING_KEY is not set: give the RSA key that signs certificates' "
            "credentials as a PEM (a Key Vault reference in Azure) or a PEM file's path; "
            "`lms keys generate` makes one"
        )
    if is_loopback_url(settings.PUBLIC_API_URL):
        problems.append(
            "PUBLIC_API_URL points at this machine; set the address clients reach the API at "
            "(it names the credentials' issuer and goes into certificates' QR codes)"
        )
    return problems + _production_mail_problems(settings) + _production_webhook_problems(settings)


def _production_webhook_problems(settings: Settings) -> list[str]:
    problems = []
    if not settings.WEBHOOK_SECRET_KEY:
        problems.append(
            "WEBHOOK_SECRET_KEY is not set: give the Fernet key that encrypts webhook signing "
            "secrets (a Key Vault reference in Azure), so rotating SECRET_KEY cannot lose them"
        )
    private = [str(n) for n in settings.WEBHOOK_ALLOWED_HOSTS if not n.is_global]
    if private:
        problems.append(
            f"WEBHOOK_ALLOWED_HOSTS lets webhooks reach private addresses ({', '.join(private)}); "
            "it is for a local receiver in development: leave it empty in production"
        )
    return problems


def _production_mail_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.MAIL_TRANSPORT == "maildir":
        problems.append(
            "MAIL_TRANSPORT=maildir only writes mail to a folder, it delivers nothing; "
            "set MAIL_TRANSPORT=firebase (SEND_EMAIL_URL, SEND_EMAIL_SIGNING_SECRET) or "
            "MAIL_TRANSPORT=smtp (SMTP_HOST, ...)"
        )
    if settings.MAIL_FROM == DEVELOPMENT_MAIL_FROM:
        problems.append(
            "MAIL_FROM is the local placeholder (@lms.local); set a sender on a domain "
            "whose SPF/DKIM cover the mail relay, e.g. 'LMS <no-reply@example.org>'"
        )
    if (
        settings.MAIL_TRANSPORT == "smtp"
        and settings.SMTP_SECURITY == "none"
        and settings.SMTP_USERNAME
    ):
        problems.append(
            "SMTP_SECURITY=none would send SMTP_PASSWORD unencrypted; "
            "use SMTP_SECURITY=starttls (port 587) or ssl (port 465)"
        )
    if settings.MAIL_TRANSPORT == "firebase":
        if settings.SEND_EMAIL_URL and not settings.SEND_EMAIL_URL.startswith("https://"):
            problems.append("SEND_EMAIL_URL must be https:// in production")
        secret = settings.SEND_EMAIL_SIGNING_SECRET or ""
        if secret and len(secret) < MIN_PRODUCTION_SECRET_KEY_LENGTH:
            problems.append(
                f"SEND_EMAIL_SIGNING_SECRET has {len(secret)} characters; production needs "
                f"at least {MIN_PRODUCTION_SECRET_KEY_LENGTH} random ones (the same value "
                "in the sendEmail function)"
            )
    return problems


def configuration_problems(settings: Settings) -> list[str]:
    """Settings that are wrong in any environment."""
    problems = []
    if settings.BROKER == "servicebus" and not (
        settings.ServiceBusConnection or settings.ServiceBusConnection__fullyQualifiedNamespace
    ):
        problems.append(
            "BROKER=servicebus needs ServiceBusConnection (a connection string) or "
            "ServiceBusConnection__fullyQualifiedNamespace (with a managed identity)"
        )
    if settings.QUEUE_RETRY_MAX_DELAY_SECONDS < settings.QUEUE_RETRY_FIRST_DELAY_SECONDS:
        problems.append(
            f"QUEUE_RETRY_MAX_DELAY_SECONDS ({settings.QUEUE_RETRY_MAX_DELAY_SECONDS:g}) is below "
            f"QUEUE_RETRY_FIRST_DELAY_SECONDS ({settings.QUEUE_RETRY_FIRST_DELAY_SECONDS:g}); "
            "raise the maximum or lower the first delay"
        )
    if settings.PASSWORD_HASH_MEMORY_KIB < 8 * settings.PASSWORD_HASH_PARALLELISM:
        problems.append(
            "argon2 needs PASSWORD_HASH_MEMORY_KIB of at least 8 per lane: raise it to "
            f"{8 * settings.PASSWORD_HASH_PARALLELISM} or lower PASSWORD_HASH_PARALLELISM"
        )
    if settings.DATABASE_SSLROOTCERT and not _is_ca_bundle(settings.DATABASE_SSLROOTCERT):
        problems.append(
            f"DATABASE_SSLROOTCERT={settings.DATABASE_SSLROOTCERT} is not a readable CA bundle; "
            "give the path of the PEM file that signed the database server's certificate"
        )
    statement_seconds = settings.DB_STATEMENT_TIMEOUT_MS / 1000
    if settings.DB_READ_TIMEOUT is not None and 0 < settings.DB_READ_TIMEOUT <= statement_seconds:
        problems.append(
            f"DB_READ_TIMEOUT={settings.DB_READ_TIMEOUT:g} s ends before DB_STATEMENT_TIMEOUT_MS="
            f"{settings.DB_STATEMENT_TIMEOUT_MS} ms, so the client would cut statements the "
            f"server still runs: raise DB_READ_TIMEOUT above {statement_seconds:g} or unset it"
        )
    if settings.STORAGE == "azure" and not (
        settings.AZURE_STORAGE_CONNECTION_STRING or settings.AZURE_STORAGE_ACCOUNT_URL
    ):
        problems.append(
            "STORAGE=azure needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL"
        )
    if settings.WEBHOOK_SECRET_KEY and not _is_fernet_key(settings.WEBHOOK_SECRET_KEY):
        problems.append(
            "WEBHOOK_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes); make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`'
        )
    return problems + _mail_transport_problems(settings)


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode())) == 32
    except (ValueError, binascii.Error):
        return False


def _mail_transport_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.MAIL_TRANSPORT == "smtp":
        if not settings.SMTP_HOST:
            problems.append("MAIL_TRANSPORT=smtp needs SMTP_HOST (and SMTP_PORT)")
        if bool(settings.SMTP_USERNAME) != bool(settings.SMTP_PASSWORD):
            problems.append(
                "SMTP_USERNAME and SMTP_PASSWORD go together: set both, or neither for a "
                "relay that needs no login"
            )
    if settings.MAIL_TRANSPORT == "firebase":
        missing = [
            name
            for name in ("SEND_EMAIL_URL", "SEND_EMAIL_SIGNING_SECRET")
            if not getattr(settings, name)
        ]
        if missing:
            problems.append(
                f"MAIL_TRANSPORT=firebase needs {' and '.join(missing)} "
                "(the sendEmail function's URL and its shared signing secret)"
            )
    return problems


def is_loopback(database_url: str) -> bool:
    """Whether the database runs on this host (no TLS needed by default)."""
    from sqlalchemy.engine import make_url

    host = make_url(database_url).host
    return host is None or host in LOOPBACK_HOSTS or host.startswith("127.")


def is_loopback_url(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    return host is None or host in LOOPBACK_HOSTS or host.startswith("127.")


def _is_ca_bundle(path: str) -> bool:
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError):
        return False
    return True
