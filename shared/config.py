"""One Settings object, read from the environment once.

Every setting has a safe local default, so the system starts on a laptop with nothing set.
`ENVIRONMENT=production` turns the defaults that are only safe locally into start-up errors.

A plain pydantic model fed from os.environ, not pydantic-settings: names are exact, empty
values count as unset, and a cold start saves the ~70 ms that package takes to import.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from email.utils import parseaddr
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.settings_checks import (
    DEVELOPMENT_MAIL_FROM,
    DEVELOPMENT_SECRET_KEY,
    configuration_problems,
    is_loopback,
    production_problems,
)

# The local host's queue consumer threads (one per queue), counted into the default pool.
QUEUE_THREADS = 4


class UnsafeSettingsError(RuntimeError):
    """Raised at start-up when a setting is missing, malformed or unsafe for the environment."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Refusing to start; fix these settings:\n{lines}")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)

    # --- the app
    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    APP_NAME: str = "LMS Functions"
    # Which blueprints function_app.py registers: one package, deployed as one Function App
    # ("all") or as two ("api" and "jobs").
    APP_ROLE: Literal["all", "api", "jobs"] = "all"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    SECRET_KEY: str = DEVELOPMENT_SECRET_KEY

    # --- database
    DATABASE_URL: str = "sqlite:///./.lms/lms.db"
    SQLALCHEMY_ECHO: bool = False
    # Connections kept open per process; unset: one per thread that can use one (see
    # db_pool_size), so a busy process never opens and closes overflow connections.
    DB_POOL_SIZE: int | None = Field(default=None, ge=1, le=100)
    DB_MAX_OVERFLOW: int = Field(default=5, ge=0, le=100)
    DB_POOL_TIMEOUT: float = Field(default=30.0, gt=0)
    DB_POOL_RECYCLE: int = Field(default=1800, ge=-1)
    DB_CONNECT_TIMEOUT: float = Field(default=5.0, gt=0, le=120)
    # Statements each PostgreSQL connection keeps prepared (parsed and planned once); 0 sends
    # every statement unnamed, for a pooler that cannot carry prepared statements.
    DB_STATEMENT_CACHE_SIZE: int = Field(default=256, ge=0, le=10_000)
    # PostgreSQL cancels a statement that runs longer (statement_timeout, set at connect);
    # 0 lets statements run as long as they like.
    DB_STATEMENT_TIMEOUT_MS: int = Field(default=30_000, ge=0, le=3_600_000)
    # How long to wait for any answer on an open connection, so a server that accepts but
    # never answers cannot hold a request thread forever; unset, see db_read_timeout.
    DB_READ_TIMEOUT: float | None = Field(default=None, gt=0, le=3600)
    # TLS to PostgreSQL: `auto` is `disable` for a loopback host and `verify-full` otherwise;
    # `require` encrypts without checking the server's certificate. DATABASE_SSLROOTCERT is a
    # CA bundle (PEM) for verify-full; unset, the system's CAs (Azure's roots are among them).
    DATABASE_SSLMODE: Literal["auto", "disable", "require", "verify-full"] = "auto"
    DATABASE_SSLROOTCERT: str | None = None

    # --- the Functions host's concurrency (App Settings in Azure; `lms serve` reads them too)
    FUNCTIONS_WORKER_PROCESS_COUNT: int | None = Field(default=None, ge=1, le=10)
    PYTHON_THREADPOOL_THREAD_COUNT: int | None = Field(default=None, ge=1, le=32)

    # --- background work
    BROKER: Literal["local", "servicebus"] = "local"
    # The queue triggers' connection setting (host.json, function bindings); the sender uses
    # the same one: a connection string, or the namespace for a managed identity.
    ServiceBusConnection: str | None = None
    ServiceBusConnection__fullyQualifiedNamespace: str | None = None
    QUEUE_MAX_DELIVERY_COUNT: int = Field(default=10, ge=1, le=100)
    QUEUE_LOCK_DURATION_SECONDS: int = Field(default=60, ge=5, le=300)
    # Backoff between the deliveries of a message whose handler failed (shared/messaging/
    # retries.py): a random wait up to first * multiplier ** (n - 1), at most the maximum.
    QUEUE_RETRY_FIRST_DELAY_SECONDS: float = Field(default=5.0, ge=0.1, le=3600)
    QUEUE_RETRY_BACKOFF_MULTIPLIER: float = Field(default=5.0, ge=1, le=100)
    QUEUE_RETRY_MAX_DELAY_SECONDS: float = Field(default=900.0, ge=0.1, le=86400)
    QUEUE_DUPLICATE_DETECTION_WINDOW_SECONDS: int = Field(default=600, ge=0, le=7 * 86400)
    OUTBOX_SWEEP_SCHEDULE: str = "*/10 * * * * *"
    HOUSEKEEPING_SCHEDULE: str = "0 */15 * * * *"
    QUIZ_ATTEMPT_EXPIRY_SCHEDULE: str = "0 */1 * * * *"
    # Reminders mailed to students who have not submitted, this many hours before the due date.
    ASSIGNMENT_REMINDER_SCHEDULE: str = "0 */10 * * * *"
    ASSIGNMENT_REMINDER_LEAD_HOURS: int = Field(default=24, ge=1, le=24 * 14)
    INBOX_RETENTION_DAYS: int = Field(default=14, ge=1, le=365)

    # --- files
    STORAGE: Literal["local", "azure"] = "local"
    LOCAL_STORAGE_DIR: Path = Path(".lms/files")
    AZURE_STORAGE_CONNECTION_STRING: str | None = None
    AZURE_STORAGE_ACCOUNT_URL: str | None = None
    AZURE_STORAGE_CONTAINER_NAME: str = "lms-files"
    # Uploaded files (/api/v1/files): their container in Azure, their folder under
    # LOCAL_STORAGE_DIR locally.
    FILES_CONTAINER_NAME: str = Field(default="files", pattern=r"^[a-z0-9](?:-?[a-z0-9]){2,62}$")
    # Largest file POST /upload takes through the API (the Functions host caps a request at
    # 100 MB); larger files go straight to storage with POST /upload-url, up to the next.
    MAX_UPLOAD_BYTES: int = Field(default=100 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    MAX_DIRECT_UPLOAD_BYTES: int = Field(default=2 * 1024**3, ge=1, le=5000 * 1024 * 1024)
    # What one user's files may add up to, pending direct uploads included.
    USER_STORAGE_QUOTA_BYTES: int = Field(default=1024**3, ge=0)
    FILE_UPLOAD_URL_EXPIRE_SECONDS: int = Field(default=3600, ge=30, le=7 * 86400)
    FILE_DOWNLOAD_URL_EXPIRE_SECONDS: int = Field(default=900, ge=30, le=86400)
    FILES_CLEANUP_SCHEDULE: str = "0 20 * * * *"

    # --- backups (`lms backup`, `lms restore`, `lms restore-drill`)
    BACKUP_DIR: Path = Path(".lms/backups")
    BACKUP_RETENTION_DAYS: int = Field(default=14, ge=0, le=3650)
    # 32 random bytes, URL-safe base64 (`lms backup-key`): backups are AES-256-GCM encrypted.
    BACKUP_ENCRYPTION_KEY: str | None = None
    # A container each backup is also uploaded to (kept BACKUP_RETENTION_DAYS there too).
    BACKUP_CONTAINER: str | None = Field(default=None, pattern=r"^[a-z0-9](?:-?[a-z0-9]){2,62}$")
    # An account whose sign-in the restore drill tries on the restored data.
    RESTORE_DRILL_EMAIL: str | None = None
    RESTORE_DRILL_PASSWORD: str | None = None
    # The drill fails when the newest backup is older: backups have stopped (the RPO is lost).
    RESTORE_DRILL_MAX_AGE_HOURS: float = Field(default=26.0, gt=0, le=24 * 366)
    # --- certificates
    # The certificates' PDFs: this container with STORAGE=azure, LOCAL_STORAGE_DIR/<name>
    # with STORAGE=local.
    CERTIFICATES_CONTAINER_NAME: str = "certificates"
    # How long a download link to a certificate's PDF in Azure (a read-only SAS) works.
    CERTIFICATE_DOWNLOAD_LINK_SECONDS: int = Field(default=300, ge=30, le=3600)
    # The RSA key that signs the certificates' credentials (RS256): a PEM, or the path of a
    # PEM file. Outside production a path that does not exist yet gets a new key on first use.
    CERTIFICATE_SIGNING_KEY: str = ".lms/keys/certificate-signing-key.pem"
    # Credentials expire this many days after issue; unset, they never do.
    CERTIFICATE_CREDENTIAL_VALID_DAYS: int | None = Field(default=None, ge=1, le=36500)
    # Where clients reach this API (scheme://host[:port]): the credentials' issuer, the key
    # set, and the verification link of the QR code when FRONTEND_BASE_URL is not set.
    PUBLIC_API_URL: str = "http://localhost:7071"

    # --- webhooks
    # Encrypts the subscriptions' signing secrets at rest: a Fernet key (32 url-safe base64
    # bytes; `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`).
    # Unset, a key is derived from SECRET_KEY (production requires its own).
    WEBHOOK_SECRET_KEY: str | None = None
    # Addresses or networks (comma-separated) a receiver may resolve to although they are not
    # public: for a local receiver in development ("127.0.0.1, ::1"). Empty: public only.
    WEBHOOK_ALLOWED_HOSTS: list[IPv4Network | IPv6Network] = Field(default_factory=list)
    # How long one POST to a receiver may take in all (connect, send, answer) before it fails.
    WEBHOOK_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=30)
    # Delivery-log rows older than this are purged by the housekeeping timer.
    WEBHOOK_LOG_RETENTION_DAYS: int = Field(default=30, ge=1, le=365)
    # `lms serve` outside production: the folder its local webhook receiver
    # (/local-webhooks/receive) keeps each verified delivery in, one JSON file each.
    LOCAL_WEBHOOKS_DIR: Path = Path(".lms/webhooks")

    # --- identity
    JWT_ISSUER: str = "lms-functions"
    JWT_AUDIENCE: str = "lms-api"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=15, ge=1, le=1440)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=30, ge=1, le=365)
    PASSWORD_RESET_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=5, le=1440)
    EMAIL_VERIFICATION_TOKEN_EXPIRE_MINUTES: int = Field(default=1440, ge=5, le=10080)
    # Reset and verification links asked for one address, each kind, per hour; further asks
    # are answered the same but send nothing (shared/security/mail_budget.py).
    LINK_EMAILS_PER_RECIPIENT_PER_HOUR: int = Field(default=3, ge=1, le=100)
    MFA_CHALLENGE_TOKEN_EXPIRE_MINUTES: int = Field(default=10, ge=1, le=60)
    MFA_CODE_LENGTH: int = Field(default=6, ge=4, le=12)
    MFA_MAX_CODE_ATTEMPTS: int = Field(default=5, ge=1, le=20)
    REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN: bool = False
    ALLOW_INITIAL_ADMIN_CREATION: bool = False
    FRONTEND_BASE_URL: str = "http://localhost:3000"
    MAX_FAILED_LOGIN_ATTEMPTS: int = Field(default=5, ge=1, le=100)
    MAX_FAILED_LOGIN_ATTEMPTS_PER_IP: int = Field(default=50, ge=1, le=10000)
    ACCOUNT_LOCKOUT_DURATION_SECONDS: int = Field(default=900, ge=1, le=86400)
    # The client-IP throttle's window: short, since it slows a sprayer, it locks no account.
    LOGIN_IP_THROTTLE_SECONDS: int = Field(default=300, ge=1, le=86400)
    RATE_LIMIT_ENABLED: bool = True
    RATE_LIMIT_REQUESTS_PER_MINUTE: int = Field(default=100, ge=1)
    RATE_LIMIT_WINDOW_SECONDS: int = Field(default=60, ge=1, le=86400)
    AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE: int = Field(default=60, ge=1)
    AUTH_RATE_LIMIT_WINDOW_SECONDS: int = Field(default=60, ge=1, le=86400)
    FILE_UPLOAD_RATE_LIMIT_REQUESTS_PER_HOUR: int = Field(default=100, ge=1)
    FILE_UPLOAD_RATE_LIMIT_WINDOW_SECONDS: int = Field(default=3600, ge=1, le=86400)
    ASSIGNMENT_RATE_LIMIT_REQUESTS_PER_MINUTE: int = Field(default=60, ge=1)
    ASSIGNMENT_RATE_LIMIT_WINDOW_SECONDS: int = Field(default=60, ge=1, le=86400)
    # argon2id cost per password hash (sign-in, sign-up, password changes): OWASP's minimum,
    # m=19 MiB, t=2, p=1. A stored hash made with other values is re-hashed at its next sign-in.
    PASSWORD_HASH_TIME_COST: int = Field(default=2, ge=1, le=10)
    PASSWORD_HASH_MEMORY_KIB: int = Field(default=19_456, ge=8, le=1_048_576)
    PASSWORD_HASH_PARALLELISM: int = Field(default=1, ge=1, le=16)

    # --- HTTP
    CORS_ORIGINS: list[str] = ["http://localhost:3000"]
    MAX_REQUEST_BODY_BYTES: int = Field(default=1_048_576, ge=1024)
    # /openapi.json, /docs and /redoc: on outside production; in production only when set to
    # true, a deliberate choice to publish the schema (for an internal deployment, say).
    ENABLE_API_DOCS: bool | None = None
    # How many proxies in front of the app append to X-Forwarded-For: 1 on plain Azure
    # Functions (its front end) and under `lms serve`, 2 behind Front Door or Caddy.
    TRUSTED_PROXY_HOPS: int = Field(default=1, ge=0, le=10)
    # `lms serve` only: the peers whose X-Forwarded-For it keeps (Caddy's address). From any
    # other peer the header is dropped, so with TRUSTED_PROXY_HOPS=2 a client that reaches the
    # local host directly, past the proxy, cannot choose the address it is counted under.
    FORWARDED_ALLOW_IPS: list[IPv4Network | IPv6Network] = Field(
        default_factory=lambda: [ip_network("127.0.0.1/32"), ip_network("::1/128")]
    )

    # --- observability
    # The bearer token Prometheus sends to GET /metrics; unset, /metrics refuses every caller.
    METRICS_TOKEN: str | None = None
    # Statements slower than this are counted (lms_db_slow_queries_total); 0 counts none.
    DB_SLOW_QUERY_MS: int = Field(default=500, ge=0, le=3_600_000)
    # The Functions worker's switch for OpenTelemetry export to Application Insights; when on,
    # business and sign-in events are also sent as custom metrics.
    PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: bool = False

    # --- mail
    MAIL_TRANSPORT: Literal["maildir", "smtp", "firebase"] = "maildir"
    MAIL_FROM: str = DEVELOPMENT_MAIL_FROM
    MAILDIR_PATH: Path = Path(".lms/mail")
    SMTP_HOST: str | None = None
    SMTP_PORT: int = Field(default=587, ge=1, le=65535)
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_SECURITY: Literal["starttls", "ssl", "none"] = "starttls"
    SMTP_TIMEOUT_SECONDS: float = Field(default=15.0, gt=0, le=120)
    SEND_EMAIL_URL: str | None = None
    SEND_EMAIL_SIGNING_SECRET: str | None = None
    # Longer than the sendEmail function's own SMTP timeout, so its answer arrives first.
    SEND_EMAIL_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0, le=120)

    @field_validator("FORWARDED_ALLOW_IPS", "WEBHOOK_ALLOWED_HOSTS", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        # Addresses or networks, comma-separated ("127.0.0.1, 10.0.0.0/8") or a JSON list.
        if isinstance(value, str):
            text = value.strip()
            parts = json.loads(text) if text.startswith("[") else text.split(",")
            return [ip_network(str(p).strip(), strict=False) for p in parts if str(p).strip()]
        return value

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Accept a JSON list (as App Settings often hold) or a comma-separated string.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("CORS_ORIGINS")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*":
                raise ValueError(
                    "'*' is not allowed because credentials are allowed; list the origins"
                )
            if not origin.startswith(("http://", "https://")) or origin.endswith("/"):
                raise ValueError(
                    f"{origin!r} is not an origin; write it as scheme://host[:port], no path"
                )
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_driver(cls, value: str) -> str:
        # Clients and platforms hand out plain postgres URLs; this project talks pg8000 only.
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
            if value.startswith(prefix):
                return "postgresql+pg8000://" + value[len(prefix) :]
        if not value.startswith(("sqlite://", "postgresql+pg8000://")):
            raise ValueError("use sqlite:///path/to.db or postgresql+pg8000://user@host/db")
        return value

    @field_validator("BACKUP_ENCRYPTION_KEY")
    @classmethod
    def _backup_key(cls, value: str | None) -> str | None:
        if value is not None:
            from shared.backups.encryption import parse_key

            parse_key(value)  # its ValueError names the fix
        return value

    @field_validator("MAIL_FROM")
    @classmethod
    def _mail_from_address(cls, value: str) -> str:
        address = parseaddr(value)[1]
        if "@" not in address or "\n" in value or "\r" in value:
            raise ValueError(
                "write an address, e.g. no-reply@example.org or 'LMS <no-reply@example.org>'"
            )
        return value

    @field_validator("PUBLIC_API_URL")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("write an absolute http(s):// URL, e.g. https://lms.example.org")
        return value.rstrip("/")

    @field_validator("SEND_EMAIL_URL")
    @classmethod
    def _send_email_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("write the sendEmail function's URL as https://...")
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from environment variables: exact names, empty values ignored."""
        return cls.model_validate(
            {name: environ[name] for name in cls.model_fields if environ.get(name, "").strip()}
        )

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def worker_threads(self) -> int:
        """Threads that run functions in one worker process: PYTHON_THREADPOOL_THREAD_COUNT,
        or the Python worker's own default, min(32, cores + 4)."""
        return self.PYTHON_THREADPOOL_THREAD_COUNT or min(32, (os.cpu_count() or 1) + 4)

    @property
    def db_pool_size(self) -> int:
        """DB_POOL_SIZE, or a connection for each worker thread plus the queue consumers and
        the timer thread of the local host."""
        return self.DB_POOL_SIZE or self.worker_threads + QUEUE_THREADS + 1

    @property
    def db_read_timeout(self) -> float | None:
        """DB_READ_TIMEOUT, or the statement timeout plus DB_CONNECT_TIMEOUT: long enough for
        the server to report its own timeout first. None (wait as long as it takes) only when
        both are off."""
        if self.DB_READ_TIMEOUT is not None:
            return self.DB_READ_TIMEOUT
        if self.DB_STATEMENT_TIMEOUT_MS == 0:
            return None
        return self.DB_STATEMENT_TIMEOUT_MS / 1000 + self.DB_CONNECT_TIMEOUT

    @property
    def database_tls(self) -> Literal["disable", "require", "verify-full"]:
        """The DATABASE_SSLMODE in force for DATABASE_URL's host (never `auto`)."""
        if self.DATABASE_SSLMODE != "auto":
            return self.DATABASE_SSLMODE
        return "disable" if self.is_sqlite or is_loopback(self.DATABASE_URL) else "verify-full"

    @property
    def certificate_verify_base_url(self) -> str:
        """Where a certificate's QR code and e-mail send people to verify it: the frontend's
        page when FRONTEND_BASE_URL is set, else this API's public verify route."""
        if "FRONTEND_BASE_URL" in self.model_fields_set:
            return f"{self.FRONTEND_BASE_URL.rstrip('/')}/certificates/verify"
        return f"{self.PUBLIC_API_URL}/api/v1/certificates/verify"

    @property
    def api_docs_enabled(self) -> bool:
        if self.ENABLE_API_DOCS is None:
            return not self.is_production
        return self.ENABLE_API_DOCS


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment; raise UnsafeSettingsError naming every problem."""
    try:
        settings = Settings.from_environ(os.environ if environ is None else environ)
    except ValidationError as exc:
        raise UnsafeSettingsError(
            [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        ) from None
    problems = configuration_problems(settings) + production_problems(settings)
    if problems:
        raise UnsafeSettingsError(problems)
    return settings


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use. Tests call `get_settings.cache_clear()`."""
    return load_settings()
