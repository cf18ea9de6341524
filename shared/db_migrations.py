"""Schema migrations: the only way the schema changes (`lms migrate`, tests, deployments)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import make_url

CONNECT_TIMEOUT_SECONDS = 10
# One key for every `lms migrate` on a database: the deploy workflow, `azd provision` and an
# operator may start one at the same time, and two Alembic runs on one schema corrupt it.
MIGRATION_LOCK_KEY = 0x6C6D735F6D6967  # "lms_mig"
MIGRATION_LOCK_WAIT_SECONDS = 300.0


class MigrationLockTimeoutError(RuntimeError):
    """Another migration held the database's migration lock for longer than we would wait."""


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' would be read as interpolation by configparser (URL-encoded passwords have it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _engine(url: str, tls: ssl.SSLContext | bool | None = None) -> Engine:
    connect_args: dict[str, object] = {}
    if not url.startswith("sqlite"):
        connect_args["timeout"] = CONNECT_TIMEOUT_SECONDS
        if tls is not None:
            # Azure Database for PostgreSQL refuses connections without TLS.
            connect_args["ssl_context"] = tls
    # Parameters stay out of error messages, which reach logs (shared/db.py does the same).
    return create_engine(
        url, poolclass=pool.NullPool, connect_args=connect_args, hide_parameters=True
    )


def current_revision(url: str) -> str | None:
    _ensure_sqlite_folder(url)
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(
    url: str,
    revision: str = "head",
    *,
    tls: ssl.SSLContext | bool | None = None,
    lock_wait_seconds: float | None = None,
    on_wait: Callable[[], None] | None = None,
) -> tuple[str | None, str | None]:
    """Apply migrations up to `revision`; return the revisions before and after.

    `tls` is pg8000's ssl_context (shared.db.tls_context). On PostgreSQL the run holds the
    migration advisory lock, waiting at most `lock_wait_seconds` (default
    MIGRATION_LOCK_WAIT_SECONDS) for another run to finish
    (`on_wait` is called once when it has to wait)."""
    wait = MIGRATION_LOCK_WAIT_SECONDS if lock_wait_seconds is None else lock_wait_seconds
    _ensure_sqlite_folder(url)
    engine = _engine(url, tls)
    try:
        with (
            engine.connect() as connection,
            _migration_lock(connection, wait, on_wait),
        ):
            before = MigrationContext.configure(connection).get_current_revision()
            connection.commit()  # so Alembic begins and commits its own transaction
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            after = MigrationContext.configure(connection).get_current_revision()
            connection.commit()
            return before, after
    finally:
        engine.dispose()


@contextmanager
def _migration_lock(
    connection: Connection, wait_seconds: float, on_wait: Callable[[], None] | None
) -> Iterator[None]:
    """Hold the session-level advisory lock on PostgreSQL; nothing to hold on SQLite, whose
    file lock already serialises writers."""
    if connection.dialect.name != "postgresql":
        yield
        return
    deadline = time.monotonic() + wait_seconds
    try_lock = text("SELECT pg_try_advisory_lock(:key)").bindparams(key=MIGRATION_LOCK_KEY)
    waited = False
    while not connection.execute(try_lock).scalar_one():
        connection.commit()
        if time.monotonic() >= deadline:
            raise MigrationLockTimeoutError(
                f"another migration has held the lock for over {wait_seconds:g} s; wait for it "
                "to finish (pg_locks shows its session) and run `lms migrate` again"
            )
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        time.sleep(min(1.0, wait_seconds))
    # A session-level lock outlives this transaction; Alembic runs its own.
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.execute(
            text("SELECT pg_advisory_unlock(:key)").bindparams(key=MIGRATION_LOCK_KEY)
        )
        connection.commit()


def downgrade(url: str, revision: str) -> tuple[str | None, str | None]:
    before = current_revision(url)
    command.downgrade(alembic_config(url), revision)
    return before, current_revision(url)
