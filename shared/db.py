"""Engines and sessions: one engine per database URL per process.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with BEGIN IMMEDIATE,
so the local host can serve requests and consume its queue at the same time: a transaction
that read first and writes later would otherwise fail at once with "database is locked" when
another connection wrote in between (WAL cannot upgrade a stale snapshot, busy timeout or not).
PostgreSQL goes through pg8000 with a pool sized to the threads that share it, a ping for
connections idle more than IDLE_PING_SECONDS (a serverless instance wakes up to connections the
server has closed), a connect timeout, a statement timeout (PostgreSQL's own) and a read
timeout (ours, for a server that accepts but never answers), and TLS as DATABASE_SSLMODE says,
with one SSL context for all connections, and one network round trip per statement
(shared/pg_wire.py). Every way a connection attempt fails arrives as a
DBAPI error, so SQLAlchemy wraps it and shared/db_faults.py recognises it.

Both engines hide bound parameters from their error messages: those reach logs and
tracebacks, and parameters are e-mail addresses, password hashes and tokens.
"""

from __future__ import annotations

import functools
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from shared.config import Settings

SQLITE_BUSY_TIMEOUT_MS = 15_000
log = logging.getLogger("lms.db")


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is DEFERRED; _begin_immediate takes over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(url: str, settings: Settings) -> Engine:
    """A new engine for `url`, configured from the settings (shared/bootstrap.py owns the
    process's one engine)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=settings.SQLALCHEMY_ECHO,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    _remember_converted_statements()
    engine = create_engine(
        url,
        echo=settings.SQLALCHEMY_ECHO,
        hide_parameters=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.DB_MAX_OVERFLOW,
        pool_timeout=settings.DB_POOL_TIMEOUT,
        pool_recycle=settings.DB_POOL_RECYCLE,
        connect_args={
            "timeout": settings.DB_CONNECT_TIMEOUT,
            "ssl_context": tls_context(settings),
        },
    )
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("last_used", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool throws this connection away and hands out a new one.
            raise DisconnectionError("a pooled connection no longer answers") from exc

    event.listen(engine, "do_connect", _connect_within_limits(settings))
    event.listen(engine, "connect", _note_use)
    event.listen(engine, "connect", _read_datetimes_fast)
    event.listen(engine, "connect", _one_round_trip(settings.DB_STATEMENT_CACHE_SIZE))
    event.listen(engine, "checkin", _note_use)
    event.listen(engine, "checkout", ping_if_idle)
    return engine


# A connection idle this long is pinged before it is handed out: a serverless instance wakes
# up to connections the server (or a NAT on the way) has closed meanwhile. One used within
# this time is handed out as it is, which saves a round trip on nearly every request.
IDLE_PING_SECONDS = 10.0


def _connect_within_limits(settings: Settings) -> Any:
    """The engine's way to open a pg8000 connection (a `do_connect` listener).

    pg8000 lets some socket errors through unwrapped (a timeout or a refused certificate
    during the TLS handshake), and SQLAlchemy passes those on as they are: here every OSError
    becomes the driver's InterfaceError, which SQLAlchemy wraps like any other. pg8000 keeps
    the connect timeout for every later read; the read timeout replaces it once connected.
    The statement timeout is a SET, not a startup parameter, because PgBouncer refuses
    startup parameters it does not know."""
    read_timeout = settings.db_read_timeout
    statement_timeout_ms = settings.DB_STATEMENT_TIMEOUT_MS

    def connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            connection = dialect.connect(*cargs, **cparams)
        except ssl.SSLCertVerificationError as exc:
            log.error(
                "PostgreSQL's TLS certificate was refused (%s): set DATABASE_SSLROOTCERT to the "
                "CA bundle (PEM) that signed it, check that DATABASE_URL names the host the "
                "certificate is for, or set DATABASE_SSLMODE=require to encrypt unchecked",
                exc.verify_message,
            )
            raise dialect.loaded_dbapi.InterfaceError("TLS certificate refused") from exc
        except OSError as exc:
            if isinstance(exc, ssl.SSLError):
                log.error(
                    "TLS to PostgreSQL failed (%s): check DATABASE_SSLMODE (and "
                    "DATABASE_SSLROOTCERT) against what the server offers",
                    exc.reason,
                )
            raise dialect.loaded_dbapi.InterfaceError(
                f"cannot connect to the database ({type(exc).__name__})"
            ) from exc
        try:
            connection._usock.settimeout(read_timeout)
            if statement_timeout_ms:
                _set_statement_timeout(connection, statement_timeout_ms)
        except Exception:
            connection._usock.close()  # not close(): it would wait on a server that may hang
            raise
        return connection

    return connect


def _set_statement_timeout(connection: Any, milliseconds: int) -> None:
    # Outside a transaction: a SET inside one the pool then rolls back would be undone.
    connection.autocommit = True
    try:
        cursor = connection.cursor()
        cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
        cursor.close()
    finally:
        connection.autocommit = False


def _remember_converted_statements() -> None:
    """pg8000 rewrites each statement's `%s` placeholders to `$1...` with a character-by-
    character scanner, at every execution: ~0.5 ms for an ORM SELECT, more than the query.
    For positional styles the result depends on the text alone, so it is computed once per
    statement text (SQLAlchemy's compiled cache keeps those texts few)."""
    import pg8000.legacy

    convert = pg8000.legacy.convert_paramstyle
    if getattr(convert, "remembers", False):
        return

    @functools.lru_cache(maxsize=2048)
    def converted(style: str, query: str) -> str:
        return str(convert(style, query, ())[0])

    def convert_paramstyle(style: str, query: str, args: Any) -> tuple[str, Any]:
        if style in ("format", "qmark", "numeric"):
            return converted(style, query), args
        return convert(style, query, args)  # type: ignore[no-any-return]

    convert_paramstyle.remembers = True  # type: ignore[attr-defined]
    pg8000.legacy.convert_paramstyle = convert_paramstyle


def _read_datetimes_fast(dbapi_connection: Any, _record: Any) -> None:
    """pg8000 parses each timestamp with strptime (6 µs, and a page of 20 courses with their
    instructors holds over 60). PostgreSQL sends ISO 8601 (DateStyle ISO), which
    datetime.fromisoformat reads in 0.1 µs; anything it cannot read (infinity, BC dates,
    years past 9999) goes to pg8000's own parser, as before."""
    from pg8000.converters import TIMESTAMP, TIMESTAMPTZ, timestamp_in, timestamptz_in

    def reader(fallback: Any) -> Any:
        def read(data: str) -> Any:
            try:
                return datetime.fromisoformat(data)
            except ValueError:
                return fallback(data)

        return read

    dbapi_connection.register_in_adapter(TIMESTAMPTZ, reader(timestamptz_in))
    dbapi_connection.register_in_adapter(TIMESTAMP, reader(timestamp_in))


def _one_round_trip(cache_size: int) -> Callable[[Any, Any], None]:
    def install(dbapi_connection: Any, _record: Any) -> None:
        from shared import pg_wire

        pg_wire.install(dbapi_connection, cache_size)

    return install


def _note_use(_dbapi_connection: Any, record: Any, *_: Any) -> None:
    record.info["last_used"] = time.monotonic()


def tls_context(settings: Settings) -> ssl.SSLContext | bool:
    """The one SSL context every connection of the engine shares (pg8000's `ssl_context`),
    or False for no TLS. pg8000's own default builds a new, unverified context per connect."""
    mode = settings.database_tls
    if mode == "disable":
        return False
    if mode == "require":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=settings.DATABASE_SSLROOTCERT)


def upsert_insert(session: Session) -> Any:
    """The session's dialect's INSERT, which has on_conflict_do_nothing/do_update.

    PostgreSQL and SQLite (3.24+) both support ON CONFLICT; SQLAlchemy spells it per dialect.
    Imported here, on first use: only one dialect is ever needed.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


@contextmanager
def single_statements(engine: Engine) -> Iterator[Connection]:
    """A pooled connection on which each statement commits on its own: for one atomic
    statement (a counter's upsert) that must not wait for a BEGIN and a COMMIT round trip on
    PostgreSQL. SQLite runs it in a transaction committed at the end, as usual."""
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            yield connection
            connection.commit()
            return
        driver_connection = connection.connection.dbapi_connection
        assert driver_connection is not None
        driver_connection.autocommit = True
        try:
            yield connection
        finally:
            driver_connection.autocommit = False
