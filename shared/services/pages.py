"""One page of a list and how many rows match in all, in one statement.

`COUNT(*) OVER ()` rides along each row of the page (the window is computed before LIMIT), so
a list costs one round trip instead of a COUNT and a SELECT, and the total and the page come
from one snapshot. Only a page past the end, which has no row to carry the total, costs a
second statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shared.schemas.pages import PageQuery


def fetch_page(
    session: Session, statement: Select[Any], query: PageQuery
) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of `statement` (already ordered) on the page `query` asks for, and the total."""
    return fetch_slice(session, statement, (query.page - 1) * query.page_size, query.page_size)


def fetch_slice(
    session: Session, statement: Select[Any], skip: int, limit: int
) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of `statement` (already ordered) from `skip` on, at most `limit`, and the
    total (the reference's skip/limit lists)."""
    rows = session.execute(
        statement.add_columns(func.count().over()).offset(skip).limit(limit)
    ).all()
    if rows:
        return [tuple(row)[:-1] for row in rows], int(rows[0][-1])
    if skip == 0:
        return [], 0
    matching = statement.order_by(None).subquery()
    return [], int(session.scalar(select(func.count()).select_from(matching)) or 0)
