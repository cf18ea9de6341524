"""One network round trip per statement (shared/pg_wire.py), with everything pg8000 did
before still true: parameters, NULLs, errors, transactions, result columns, COPY."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared import db
from shared.config import load_settings

pytestmark = pytest.mark.postgres


class CountingSocket:
    """The connection's buffered socket, counting what pg8000 sends off to the server."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        self._sock.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def build(url: str, **settings: str) -> db.Engine:
    return db.build_engine(
        url, load_settings({"DATABASE_URL": url, "DB_POOL_SIZE": "1", **settings})
    )


@pytest.fixture
def engine(postgres_database: str) -> Iterator[db.Engine]:
    engine = build(postgres_database)
    yield engine
    engine.dispose()


def prepared_statements(connection: Any) -> list[str]:
    """What this session holds prepared (its own query aside), from PostgreSQL's view."""
    rows = connection.execute(
        text("SELECT statement FROM pg_prepared_statements WHERE statement NOT LIKE :me"),
        {"me": "%pg_prepared_statements%"},
    )
    return sorted(rows.scalars())


def counting(connection: Any) -> CountingSocket:
    driver = connection.connection.dbapi_connection
    counter = CountingSocket(driver._sock)
    driver._sock = counter
    return counter


def test_a_statement_with_parameters_is_one_round_trip_and_so_is_its_commit(
    engine: db.Engine,
) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).all()  # the transaction's BEGIN is behind us
        sends = counting(connection)
        rows = connection.execute(
            text("SELECT :word AS word, :number + 1 AS next, :nothing AS nothing"),
            {"word": "żółw 🐢", "number": 41, "nothing": None},
        ).all()
        assert sends.flushes == 1  # pg8000 alone: 3
        connection.commit()
        assert sends.flushes == 2
    assert [tuple(row) for row in rows] == [("żółw 🐢", 42, None)]


def test_errors_arrive_as_before_and_the_connection_stays_usable(engine: db.Engine) -> None:
    with engine.connect() as connection:
        with pytest.raises(DBAPIError, match="syntax error"):
            connection.execute(text("SELEC :x"), {"x": 1})
        connection.rollback()
        with pytest.raises(DBAPIError, match="division by zero"):
            connection.execute(text("SELECT 1 / :zero"), {"zero": 0})
        connection.rollback()
        assert connection.execute(text("SELECT :x * 2"), {"x": 21}).scalar_one() == 42


def test_a_failed_statement_inside_a_transaction_rolls_back_its_writes(
    engine: db.Engine,
) -> None:
    with engine.connect() as connection:
        connection.execute(text("CREATE TEMP TABLE wire_rows (n int PRIMARY KEY)"))
        connection.commit()
        connection.execute(text("INSERT INTO wire_rows VALUES (:n)"), {"n": 1})
        with pytest.raises(DBAPIError, match="duplicate key"):
            connection.execute(text("INSERT INTO wire_rows VALUES (:n)"), {"n": 1})
        connection.rollback()
        assert connection.execute(text("SELECT count(*) FROM wire_rows")).scalar_one() == 0


def test_each_result_keeps_its_own_columns_when_statements_alternate(
    engine: db.Engine,
) -> None:
    with engine.connect() as connection:
        for _ in range(3):
            first = connection.execute(
                text("SELECT CAST(:a AS int) AS a, CAST(:b AS text) AS b"), {"a": 1, "b": "x"}
            )
            assert list(first.keys()) == ["a", "b"]
            assert first.one() == (1, "x")
            second = connection.execute(
                text("SELECT CAST(:c AS timestamptz) AS c"), {"c": "2026-01-02T03:04:05+00:00"}
            )
            assert list(second.keys()) == ["c"]
            assert second.scalar_one().isoformat() == "2026-01-02T03:04:05+00:00"


def test_copy_still_goes_through_pg8000s_own_path(engine: db.Engine) -> None:
    with engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        cursor = driver.cursor()
        cursor.execute("CREATE TEMP TABLE wire_copy (n int, word text)")
        cursor.execute(
            "COPY wire_copy FROM STDIN WITH (FORMAT csv)", stream=io.BytesIO(b"1,a\n2,b\n")
        )
        out = io.BytesIO()
        cursor.execute(
            "COPY (SELECT * FROM wire_copy ORDER BY n) TO STDOUT WITH (FORMAT csv)", stream=out
        )
        assert out.getvalue() == b"1,a\n2,b\n"


def test_rows_decode_every_type_and_null_as_pg8000_did(engine: db.Engine) -> None:
    statement = text(
        "SELECT * FROM (VALUES "
        "('żółw 🐢', 7, true, '5b0a1d8e-9a4e-4a57-9d2c-0f5f3f1c2b3a'::uuid, "
        '\'{"tags": ["a", "ü"]}\'::jsonb, 2.5::float8), '
        "(NULL, NULL, NULL, NULL, NULL, NULL), "
        "('', -1, false, '00000000-0000-0000-0000-000000000000'::uuid, '[]'::jsonb, 0::float8)"
        ") AS t(word, number, flag, id, doc, ratio)"
    )
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(statement)]

    assert rows == [
        ("żółw 🐢", 7, True, uuid.UUID("5b0a1d8e-9a4e-4a57-9d2c-0f5f3f1c2b3a"),
         {"tags": ["a", "ü"]}, 2.5),
        (None, None, None, None, None, None),
        ("", -1, False, uuid.UUID(int=0), [], 0.0),
    ]  # fmt: skip


def test_a_statement_is_prepared_once_a_connection_and_then_only_bound(
    engine: db.Engine,
) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).all()  # the transaction's BEGIN is behind us
        before = prepared_statements(connection)
        sends = counting(connection)
        for number in range(5):
            assert connection.execute(text("SELECT :n + 1"), {"n": number}).scalar_one() == (
                number + 1
            )
        assert sends.flushes == 5  # one round trip each, prepared or not
        after = prepared_statements(connection)
    assert len(after) == len(before) + 1
    assert "SELECT $1 + 1" in after


def test_the_cache_keeps_the_most_recent_statements_and_closes_the_rest(
    postgres_database: str,
) -> None:
    engine = build(postgres_database, DB_STATEMENT_CACHE_SIZE="3")
    try:
        with engine.connect() as connection:
            for number in range(6):
                connection.execute(text(f"SELECT {number} + :n"), {"n": 1}).all()
            held = prepared_statements(connection)
            assert held == ["SELECT 3 + $1", "SELECT 4 + $1", "SELECT 5 + $1"]
            assert connection.execute(text("SELECT 0 + :n"), {"n": 1}).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_cache_of_zero_prepares_nothing(postgres_database: str) -> None:
    engine = build(postgres_database, DB_STATEMENT_CACHE_SIZE="0")
    try:
        with engine.connect() as connection:
            for number in range(3):
                connection.execute(text("SELECT :n * 2"), {"n": number}).all()
            assert prepared_statements(connection) == []
    finally:
        engine.dispose()


def test_failed_statements_leave_nothing_prepared_and_a_prepared_one_survives_its_errors(
    engine: db.Engine,
) -> None:
    with engine.connect() as connection:
        connection.execute(text("CREATE TEMP TABLE wire_keys (n int PRIMARY KEY)"))
        connection.commit()
        with pytest.raises(DBAPIError, match="syntax error"):
            connection.execute(text("SELEC :x"), {"x": 1})
        connection.rollback()
        insert = text("INSERT INTO wire_keys VALUES (:n)")
        connection.execute(insert, {"n": 1})
        connection.commit()
        with pytest.raises(DBAPIError, match="duplicate key"):
            connection.execute(insert, {"n": 1})
        connection.rollback()
        connection.execute(insert, {"n": 2})  # still prepared, still works
        connection.commit()
        held = prepared_statements(connection)
        assert "INSERT INTO wire_keys VALUES ($1)" in held
        assert not any(statement.startswith("SELEC ") for statement in held)
        assert connection.execute(text("SELECT count(*) FROM wire_keys")).scalar_one() == 2


def test_a_statement_the_server_forgot_fails_once_and_is_prepared_again(
    engine: db.Engine,
) -> None:
    # What a pooler that hands the connection to another server session looks like.
    with engine.connect() as connection:
        statement = text("SELECT :n * 3")
        assert connection.execute(statement, {"n": 1}).scalar_one() == 3
        connection.commit()
        connection.exec_driver_sql("DEALLOCATE ALL")
        connection.commit()
        with pytest.raises(DBAPIError, match="does not exist"):
            connection.execute(statement, {"n": 2})
        connection.rollback()
        assert connection.execute(statement, {"n": 2}).scalar_one() == 6


def test_a_row_read_again_is_decoded_once_and_its_mutable_values_are_its_own(
    engine: db.Engine,
) -> None:
    from shared.pg_wire import _decode

    statement = text(
        "SELECT CAST(:doc AS jsonb) AS doc, ARRAY[1, 2] AS numbers, CAST(:word AS text) AS word"
    )
    values = {"doc": '{"tags": ["a", {"deep": [1]}]}', "word": "żółw"}
    with engine.connect() as connection:
        first = connection.execute(statement, values).one()
        hits = _decode.cache_info().hits
        first.doc["tags"][1]["deep"].append(2)  # a caller changing what it was handed
        first.numbers.append(3)
        second = connection.execute(statement, values).one()
        assert _decode.cache_info().hits == hits + 1

    assert second.doc == {"tags": ["a", {"deep": [1]}]}
    assert second.numbers == [1, 2]
    assert second.word == "żółw"


def test_a_long_row_is_decoded_every_time_and_not_kept(engine: db.Engine) -> None:
    from shared.pg_wire import _decode

    with engine.connect() as connection:
        kept = _decode.cache_info().currsize
        for _ in range(2):
            long = connection.execute(text("SELECT repeat(:x, 5000)"), {"x": "é"}).scalar_one()
            assert long == "é" * 5000
        assert _decode.cache_info().currsize == kept
