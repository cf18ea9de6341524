"""Count the SQL statements a piece of work sends, for the tests that pin them.

    with counted_statements() as statements:
        call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))
    assert len(statements) == authenticated(3), statements

BEGIN and SQLite PRAGMAs are left out: they are how a connection starts, not work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from shared import bootstrap


def authenticated(statements: int) -> int:
    """What an authenticated request that sends `statements` on SQLite (the rate-limit hit,
    the actor, then its work) sends on PostgreSQL: one fewer, the hit riding in the actor's
    statement (shared/http/rate_limiting.py)."""
    postgresql = bootstrap.current().engine.dialect.name == "postgresql"
    return statements - 1 if postgresql else statements


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
