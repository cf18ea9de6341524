"""The arithmetic and SQL every analytics figure shares.

Figures are computed when asked, in a fixed number of aggregate statements per request
(conditional aggregates, GROUP BY, joins; never a loop over courses or enrollments), so a
change shows on the next request and the cost does not grow with the number of courses.
The student figures are in students.py, the course, instructor and system ones in
courses.py.

Means are computed here as SUM / COUNT from the database's exact sums (numeric on
PostgreSQL), then rounded half-up to 2 places, so SQLite and PostgreSQL answer the same; a
mean over nothing is 0, as in the reference.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, case, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from shared.domain.rounding import as_decimal, two_places
from shared.domain.users import Role
from shared.security.permissions import Actor

INSUFFICIENT_PERMISSIONS = "Insufficient permissions"
ANALYST_ROLES = frozenset({Role.INSTRUCTOR, Role.ADMIN})  # the reference's `analytics:view`


def is_analyst(actor: Actor) -> bool:
    return actor.role in ANALYST_ROLES


def mean(total: object, count: object) -> float:
    """total / count to 2 places; 0 when count is 0."""
    if not count:
        return 0.0
    return two_places(as_decimal(total) / as_decimal(count))


def per_hour(seconds: object, count: object = 1) -> float:
    """seconds / count in hours to 2 places; 0 when count is 0."""
    return mean(seconds, as_decimal(count) * 3600)


def per_minute(seconds: object) -> float:
    return mean(seconds, 60)


def percent(part: object, whole: object) -> float:
    """part / whole * 100 to 2 places; 0 when whole is 0."""
    return mean(as_decimal(part) * 100, whole)


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of the rows that meet `condition`: one pass counts several things."""
    return func.count(case((condition, 1)))


def one_row(*aggregates: FromClause) -> Select[Any]:
    """One statement answering several single-row aggregates side by side (a cross join of
    one-row subqueries): one round trip instead of one per table."""
    first, *rest = aggregates
    joined = functools.reduce(lambda left, right: left.join(right, true()), rest, first)
    return select(*aggregates).select_from(joined)


class utc_date(FunctionElement[Any]):
    """The UTC calendar date of a timestamp column, to group by day.

    On PostgreSQL `date(timestamptz)` would use the session's time zone; the zone is named
    here. SQLite stores UTC text, whose date() is the UTC date. The expression carries no bind
    parameter, so PostgreSQL matches it between SELECT and GROUP BY.
    """

    type = Date()
    name = "utc_date"
    inherit_cache = True


@compiles(utc_date)
def _utc_date(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"
