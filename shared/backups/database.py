"""What a backup needs to know of a database, on either dialect: its tables' row counts, its
schema revision, whether it is empty; and the engine it is read through."""

from __future__ import annotations

import ssl

from sqlalchemy import Connection, Engine, create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

CONNECT_TIMEOUT_SECONDS = 10
# pg8000 has one timeout, for connecting and for every answer. Counting a large table, and
# CREATE/DROP DATABASE (each waits for a checkpoint), can take minutes on a busy server.
WORK_TIMEOUT_SECONDS = 900
VERSION_TABLE = "alembic_version"


def open_engine(
    url: str, tls: ssl.SSLContext | bool | None = None, *, timeout: float = WORK_TIMEOUT_SECONDS
) -> Engine:
    """An engine of single connections: a backup holds one, a restore a few, never a pool.
    The first look at a server uses CONNECT_TIMEOUT_SECONDS, so one that is down is reported
    at once."""
    connect_args: dict[str, object] = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["timeout"] = timeout
        if tls is not None:
            connect_args["ssl_context"] = tls
    return create_engine(
        url, poolclass=pool.NullPool, connect_args=connect_args, hide_parameters=True
    )


def _quoted(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))


def table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows in each table of the database's schema, as this connection's transaction sees them."""
    counts = {}
    for name in table_names(connection):
        # A table name from the catalog, quoted by the dialect: not input.
        count = f"SELECT count(*) FROM {_quoted(connection, name)}"  # noqa: S608  # nosec B608
        counts[name] = int(connection.execute(text(count)).scalar_one())
    return counts


def schema_revision(connection: Connection) -> str | None:
    if VERSION_TABLE not in table_names(connection):
        return None
    latest = f"SELECT version_num FROM {VERSION_TABLE}"  # noqa: S608  # nosec B608
    value = connection.execute(text(latest)).scalar()
    return None if value is None else str(value)


def is_empty(url: str, tls: ssl.SSLContext | bool | None = None) -> bool:
    """No table at all: nothing a restore could overwrite."""
    engine = open_engine(url, tls)
    try:
        with engine.connect() as connection:
            return not table_names(connection)
    finally:
        engine.dispose()


def counts_and_revision(
    url: str, tls: ssl.SSLContext | bool | None = None
) -> tuple[dict[str, int], str | None]:
    engine = open_engine(url, tls)
    try:
        with engine.connect() as connection:
            return row_counts(connection), schema_revision(connection)
    finally:
        engine.dispose()
