"""Request rate limits shared by every instance: fixed windows counted in the database.

A rule is a named budget (requests per window) and says what it counts by: the client IP, or
the authenticated user. Each request adds one hit to the row (rule, client, window start) in
one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, atomic on PostgreSQL and on SQLite, so any
number of Function instances or `lms serve` processes count together and no read-then-write
race lets two of them both see the last free request. Windows are aligned to multiples of
their length since the epoch, so every instance agrees where a window starts.

A budget belongs to a rule and a client, never to a URL: the reference keyed by exact path,
which gave every /courses/{id} a budget of its own.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CTE, Connection, Engine, Integer, bindparam, column, text

from shared.config import Settings
from shared.db import single_statements
from shared.domain.base import UtcDateTime

DEFAULT_RULE = "default"
AUTH_RULE = "auth"
UPLOAD_RULE = "upload"
ASSIGNMENTS_RULE = "assignments"
RULE_NAMES = (DEFAULT_RULE, AUTH_RULE, UPLOAD_RULE, ASSIGNMENTS_RULE)
# Requests whose client address no trusted proxy reported share one budget.
UNKNOWN_CLIENT = "ip:unknown"


@dataclass(frozen=True)
class RateLimitRule:
    name: str
    limit: int
    window_seconds: int
    per_user: bool = False  # count by the authenticated user instead of the client IP


def rule_named(name: str, settings: Settings) -> RateLimitRule:
    """The rule `name` with the limits the settings give it."""
    if name == DEFAULT_RULE:
        return RateLimitRule(
            name, settings.RATE_LIMIT_REQUESTS_PER_MINUTE, settings.RATE_LIMIT_WINDOW_SECONDS
        )
    if name == AUTH_RULE:
        return RateLimitRule(
            name,
            settings.AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE,
            settings.AUTH_RATE_LIMIT_WINDOW_SECONDS,
        )
    if name == UPLOAD_RULE:
        return RateLimitRule(
            name,
            settings.FILE_UPLOAD_RATE_LIMIT_REQUESTS_PER_HOUR,
            settings.FILE_UPLOAD_RATE_LIMIT_WINDOW_SECONDS,
            per_user=True,
        )
    if name == ASSIGNMENTS_RULE:
        return RateLimitRule(
            name,
            settings.ASSIGNMENT_RATE_LIMIT_REQUESTS_PER_MINUTE,
            settings.ASSIGNMENT_RATE_LIMIT_WINDOW_SECONDS,
            per_user=True,
        )
    raise ValueError(f"{name!r} is not a rate limit rule; use one of {', '.join(RULE_NAMES)}")


def ip_client(address: str | None) -> str:
    return f"ip:{address}" if address else UNKNOWN_CLIENT


def user_client(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime


def window_at(now: datetime, seconds: int) -> Window:
    """The fixed window of length `seconds` that `now` falls in: [start, end)."""
    epoch_seconds = math.floor(now.timestamp())
    start = epoch_seconds - epoch_seconds % seconds
    starts_at = datetime.fromtimestamp(start, UTC)
    return Window(starts_at, starts_at + timedelta(seconds=seconds))


@dataclass(frozen=True)
class RateLimitStatus:
    """Where one client stands under one rule right after its request was counted."""

    rule: RateLimitRule
    hits: int
    window: Window
    now: datetime

    @property
    def exceeded(self) -> bool:
        return self.hits > self.rule.limit

    @property
    def remaining(self) -> int:
        return max(0, self.rule.limit - self.hits)

    @property
    def resets_at_epoch(self) -> int:
        return int(self.window.ends_at.timestamp())

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds until the window ends, at least 1 (a client must not retry at 0)."""
        return max(1, math.ceil((self.window.ends_at - self.now).total_seconds()))


def count_request(
    engine: Engine, rule: RateLimitRule, client: str, now: datetime
) -> RateLimitStatus:
    """Count one request of `client` under `rule`, committed on its own.

    Raises SQLAlchemyError when the database does not answer; the caller decides what a
    request that could not be counted gets.
    """
    window = window_at(now, rule.window_seconds)
    # One statement, atomic by itself: no transaction around it (and on PostgreSQL an
    # UNLOGGED table, so no WAL flush either: migration 0008).
    with single_statements(engine) as connection:
        hits = add_hit(connection, rule.name, client, window)
    return RateLimitStatus(rule=rule, hits=hits, window=window, now=now)


# One statement in the same words on PostgreSQL and SQLite (3.35+), written as text so it is
# compiled once, not at every request as the dialects' ON CONFLICT constructs are.
_ADD_HIT = text(
    "INSERT INTO rate_limit_counters (rule, client, window_starts_at, window_ends_at, hits) "
    "VALUES (:rule, :client, :starts_at, :ends_at, 1) "
    "ON CONFLICT (rule, client, window_starts_at) "
    "DO UPDATE SET hits = rate_limit_counters.hits + 1 "
    "RETURNING hits"
).bindparams(bindparam("starts_at", type_=UtcDateTime()), bindparam("ends_at", type_=UtcDateTime()))


def add_hit(connection: Connection, rule: str, client: str, window: Window) -> int:
    """One statement: create the window's row with 1 hit, or add 1; the count after it."""
    hits = connection.execute(_ADD_HIT, _hit_values(rule, client, window)).scalar_one()
    return int(hits)


def _hit_values(rule: str, client: str, window: Window) -> dict[str, Any]:
    return {
        "rule": rule,
        "client": client,
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
    }


def hit_cte() -> CTE:
    """The hit as a common table expression `hit` with the column `hits`, for a statement
    that carries it (PostgreSQL only: SQLite has no INSERT inside WITH). Its parameters are
    `CarriedHit.values()`."""
    return _ADD_HIT.columns(column("hits", Integer)).cte("hit")


@dataclass
class CarriedHit:
    """A hit that rides along a statement the request sends anyway (the actor's lookup):
    one round trip instead of two. The carrier sets `sent` before it executes and `hits`
    from the statement's answer; the hit's owner judges the count."""

    rule: RateLimitRule
    client: str
    now: datetime
    sent: bool = False
    hits: int | None = None

    @property
    def window(self) -> Window:
        return window_at(self.now, self.rule.window_seconds)

    def values(self) -> dict[str, Any]:
        return _hit_values(self.rule.name, self.client, self.window)

    def status(self, hits: int) -> RateLimitStatus:
        return RateLimitStatus(rule=self.rule, hits=hits, window=self.window, now=self.now)
