"""Count the SQL statements a piece of work sends, for the tests that pin them.

    with counted_statements() as statements:
        call_http("auth_me", "GET", "/api/v1/auth/me", headers=bearer(token))
    assert len(statements) == 2, statements

BEGIN and SQLite PRAGMAs are left out: they are how a connection starts, not work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from shared import bootstrap


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            statements.append(statement)

    engine = bootstrap.current().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
