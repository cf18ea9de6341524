"""The composition root: the one place that builds what the entry points need.

    deps = bootstrap.current()       # this process's dependencies, built on first use
    with deps.uow() as uow:          # a unit of work on the database, with the clock
        ...

HTTP functions, queue and timer triggers, `lms` commands and the local host ask for
`current()`; nothing else builds an engine, a broker, a mail transport, a blob store or a
password hasher. Each is built on first use, so a cold start pays only for what its invocation
touches (the Azure SDKs, argon2 and Jinja2 stay unimported until needed).

Services receive what they use from here: a `UnitOfWork` when their work is one transaction
(its clock is `uow.clock`), or the `Dependencies` when they orchestrate several transactions
or collaborators (signing in: read, hash outside any transaction, count a failure in another).
Tests build their own with `build(settings, clock=...)` and `install()` them; `reset()` forgets
the current ones (and the settings) when the environment changes.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from shared.clock import Clock, utc_now
from shared.config import Settings, get_settings
from shared.security.passwords import PasswordHasher
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from shared.mail.delivery import Transport
    from shared.messaging.broker import Broker
    from shared.messaging.retries import RetryPolicy
    from shared.security.signing_keys import SigningKey
    from shared.storage import BlobStore

log = logging.getLogger("lms.bootstrap")
T = TypeVar("T")


@dataclass(eq=False)
class Dependencies:
    settings: Settings
    clock: Clock = utc_now
    # Shuffles quiz questions and options; tests pass a random.Random with a seed.
    shuffler: random.Random = field(default_factory=secrets.SystemRandom)
    # `lms serve` answers signed links to the local folder's files (shared/local/downloads.py),
    # so with STORAGE=local downloads redirect there instead of sending the bytes themselves.
    serve_local_storage: bool = False
    _built: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        from shared.observability import app_insights

        app_insights.enable(self.settings.PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY)

    def _once(self, name: str, build: Callable[[], T]) -> T:
        # Double-checked, so concurrent first requests build one engine, not one each.
        if name not in self._built:
            with self._lock:
                if name not in self._built:
                    self._built[name] = build()
        value: T = self._built[name]
        return value

    @property
    def engine(self) -> Engine:
        from shared.db import build_engine
        from shared.observability.db_metrics import instrument_engine

        return self._once(
            "engine",
            lambda: instrument_engine(
                build_engine(self.settings.DATABASE_URL, self.settings),
                self.settings.DB_SLOW_QUERY_MS,
            ),
        )

    @property
    def sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return self._once(
            "sessions",
            lambda: sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False),
        )

    @property
    def passwords(self) -> PasswordHasher:
        return self._once("passwords", lambda: PasswordHasher.from_settings(self.settings))

    @property
    def retries(self) -> RetryPolicy:
        """When a failed delivery is tried again, and how often; both brokers follow it."""
        from shared.messaging.retries import RetryPolicy

        return self._once("retries", lambda: RetryPolicy.from_settings(self.settings))

    @property
    def broker(self) -> Broker:
        return self._once("broker", self._build_broker)

    @property
    def mail(self) -> Transport:
        return self._once("mail", self._build_mail_transport)

    @property
    def blobs(self) -> BlobStore:
        return self._once("blobs", self._build_blob_store)

    @property
    def files(self) -> BlobStore:
        """The store of uploaded files (FILES_CONTAINER_NAME)."""
        return self._once(
            "files", lambda: self._build_blob_store(self.settings.FILES_CONTAINER_NAME)
        )

    def container(self, name: str) -> BlobStore:
        """The store of the container `name` (a folder of that name under LOCAL_STORAGE_DIR
        locally): what backups read from and write to, whichever setting names it."""
        if name == self.settings.FILES_CONTAINER_NAME:
            return self.files
        if name == self.settings.CERTIFICATES_CONTAINER_NAME:
            return self.certificate_blobs
        return self._once(f"container:{name}", lambda: self._build_blob_store(name))

    @property
    def certificate_blobs(self) -> BlobStore:
        """The certificates' PDFs: a container (a folder locally) of their own."""
        name = self.settings.CERTIFICATES_CONTAINER_NAME
        return self._once(
            "certificate_blobs",
            lambda: self._build_blob_store(name),
        )

    @property
    def signing_key(self) -> SigningKey:
        """The key that signs certificates' credentials (read, or made outside production)."""
        from shared.security.signing_keys import load_signing_key

        return self._once("signing_key", lambda: load_signing_key(self.settings))

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work: a session, this clock, and the relay after commit."""
        return UnitOfWork(
            self.sessions, clock=self.clock, on_commit=self.relay, read_only=read_only
        )

    def relay(self, message_ids: Sequence[uuid.UUID]) -> None:
        from shared.messaging.outbox import relay

        relay(self.broker, self.sessions, message_ids)

    def close(self) -> None:
        """Close the connection pool and the broker's connections, if they were opened."""
        with self._lock:
            built, self._built = self._built, {}
        broker = built.get("broker")
        if broker is not None:
            broker.close()
        engine = built.get("engine")
        if engine is not None:
            engine.dispose()

    def _build_broker(self) -> Broker:
        if self.settings.BROKER == "servicebus":
            from shared.messaging.rejected import RejectedMessages
            from shared.messaging.servicebus import ServiceBusBroker

            rejected = RejectedMessages(self.sessions, self.clock)
            return ServiceBusBroker.from_settings(
                self.settings, rejected, retries=self.retries, clock=self.clock
            )
        from shared.messaging.local import LocalBroker

        return LocalBroker.from_settings(self.settings, self.sessions, self.clock, self.retries)

    def _build_mail_transport(self) -> Transport:
        settings = self.settings
        if settings.MAIL_TRANSPORT == "smtp":
            from shared.mail.smtp import SmtpTransport

            return SmtpTransport.from_settings(settings)
        if settings.MAIL_TRANSPORT == "firebase":
            from shared.mail.firebase import FirebaseTransport

            return FirebaseTransport.from_settings(settings)
        from shared.mail.maildir import MaildirTransport

        return MaildirTransport.from_settings(settings)

    def _build_blob_store(self, container: str | None = None) -> BlobStore:
        """The store of `container`: the container in Azure, a folder of that name under
        LOCAL_STORAGE_DIR locally. None: AZURE_STORAGE_CONTAINER_NAME, or the folder itself."""
        settings = self.settings
        if settings.STORAGE == "azure":
            from shared.storage.azure_blob import AzureBlobStore

            return AzureBlobStore(
                container or settings.AZURE_STORAGE_CONTAINER_NAME,
                connection_string=settings.AZURE_STORAGE_CONNECTION_STRING,
                account_url=settings.AZURE_STORAGE_ACCOUNT_URL,
                # Outside production a missing container is a fresh Azurite; in production it
                # is a deployment fault that the health check must report, not paper over.
                create_missing_container=not settings.is_production,
            )
        from shared.storage.local import LocalBlobStore
        from shared.storage.local_links import LocalLinks

        root = settings.LOCAL_STORAGE_DIR
        links = None
        if self.serve_local_storage:
            links = LocalLinks(root, settings.SECRET_KEY, self.clock)
        return LocalBlobStore(root / container if container else root, links)


COMPONENTS = frozenset(
    {
        "engine",
        "sessions",
        "passwords",
        "retries",
        "broker",
        "mail",
        "blobs",
        "files",
        "certificate_blobs",
        "signing_key",
    }
)


def build(settings: Settings | None = None, **overrides: Any) -> Dependencies:
    """Dependencies for `settings` (default: the environment's), with `overrides`: clock= or
    shuffler=, or a ready component (broker=, sessions=, passwords=, ...) used as it is."""
    components = {name: overrides.pop(name) for name in COMPONENTS & overrides.keys()}
    deps = Dependencies(settings or get_settings(), **overrides)
    deps._built.update(components)
    return deps


_current: Dependencies | None = None
_current_lock = threading.Lock()


def current() -> Dependencies:
    """This process's dependencies, built from the environment on first use."""
    global _current
    deps = _current
    if deps is None:
        with _current_lock:
            if _current is None:
                _current = build()
            deps = _current
    return deps


def install(deps: Dependencies) -> Dependencies:
    """Make `deps` this process's dependencies (tests; the local host); closes the previous."""
    global _current
    with _current_lock:
        previous, _current = _current, deps
    if previous is not None and previous is not deps:
        previous.close()
    return deps


def forget() -> None:
    """Drop the current dependencies without closing them: a forked worker process must not
    close connections its parent owns."""
    global _current
    with _current_lock:
        _current = None


def reset() -> None:
    """Close and forget the current dependencies and the settings they were built from."""
    global _current
    with _current_lock:
        previous, _current = _current, None
    if previous is not None:
        previous.close()
    get_settings.cache_clear()
    from shared.db_faults import forget_unavailable

    forget_unavailable()  # what the old database did says nothing of the next
