"""The PostgreSQL pool: a connection the server closed while it sat idle is replaced, not
handed to a request; one in steady use is handed out without a ping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, pool, text

from shared import db
from shared.config import load_settings

pytestmark = pytest.mark.postgres


def engine_for(url: str) -> db.Engine:
    return db.build_engine(url, load_settings({"DATABASE_URL": url, "DB_POOL_SIZE": "1"}))


def backend_pid(engine: db.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_an_idle_connection_the_server_closed_is_replaced_before_use(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_for(postgres_database)
    try:
        first = backend_pid(engine)
        other = create_engine(postgres_database, poolclass=pool.NullPool)
        with other.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        other.dispose()
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every checkout counts as idle
        assert backend_pid(engine) != first
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(postgres_database: str) -> None:
    engine = engine_for(postgres_database)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or ping(connection)  # type: ignore[method-assign]
    try:
        backend_pid(engine)
        backend_pid(engine)
        assert pings == []
        for record in engine.pool._pool.queue:  # type: ignore[attr-defined]
            record.info["last_used"] -= db.IDLE_PING_SECONDS  # as if idle that long
        backend_pid(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("literal", "expected", "offset"),
    [
        (
            "2026-12-03 09:18:29.123456+00",
            datetime(2026, 12, 3, 9, 18, 29, 123456, UTC),
            timedelta(hours=5, minutes=30),
        ),
        (
            "2026-12-03 09:18:29+05:30",
            datetime(2026, 12, 3, 3, 48, 29, tzinfo=UTC),
            timedelta(hours=5, minutes=30),
        ),
        # Local mean time before 1854: an offset with seconds (+05:53:28).
        ("0001-01-01 00:00:00+00", datetime(1, 1, 1, tzinfo=UTC), timedelta(seconds=21208)),
    ],
)
def test_timestamps_read_from_postgresql_are_exact(
    postgres_database: str, literal: str, expected: datetime, offset: timedelta
) -> None:
    engine = engine_for(postgres_database)
    try:
        with engine.connect() as connection:
            connection.execute(text("SET TIME ZONE 'Asia/Kolkata'"))  # offsets with minutes
            got = connection.execute(text(f"SELECT TIMESTAMPTZ '{literal}'")).scalar_one()
            plain = connection.execute(text(f"SELECT TIMESTAMP '{literal[:19]}'")).scalar_one()
        assert got == expected
        assert got.utcoffset() == offset
        assert plain == datetime.fromisoformat(literal[:19])
    finally:
        engine.dispose()


def test_timestamps_python_cannot_hold_are_read_as_pg8000_reads_them(
    postgres_database: str,
) -> None:
    engine = engine_for(postgres_database)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT TIMESTAMPTZ 'infinity', TIMESTAMP '-infinity', "
                    "TIMESTAMPTZ '0044-03-15 12:00:00+00 BC'"
                )
            ).one()
        assert row[0] == "infinity"
        assert row[1] == "-infinity"
        assert isinstance(row[2], str) and row[2].endswith("BC")
    finally:
        engine.dispose()
