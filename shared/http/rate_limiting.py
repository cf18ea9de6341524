"""The rate-limit step of the request pipeline.

Rules counted by client IP ("default", "auth") run first, before the body is read or a token
checked, so requests that end in 401, 413 or 422 spend the budget too and a flood is turned
away before it costs a token lookup. Rules counted by user ("upload") run right after
authentication. The 429 is a RateLimitExceededError, rendered by the one error table and
finished like every other response, so it carries the CORS and security headers and is
measured; every response of a limited route carries X-RateLimit-Limit, -Remaining and -Reset.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from shared.db_faults import counters_paused, is_database_unavailable, note_unavailable
from shared.domain.errors import RateLimitExceededError
from shared.http.request import Request
from shared.http.response import Reply
from shared.observability import metrics

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

from shared.security.rate_limits import (
    CarriedHit,
    RateLimitRule,
    RateLimitStatus,
    count_request,
    ip_client,
    rule_named,
    user_client,
)

log = logging.getLogger("lms.rate_limits")
EXCEEDED_DETAIL = "Rate limit exceeded. Try again later."


class RequestRateLimit:
    """The rate limit of one request under its route's rule; rule None exempts the route."""

    def __init__(self, rule: str | None, deps: Dependencies) -> None:
        self.deps = deps
        self.rule: RateLimitRule | None = None
        if rule is not None and deps.settings.RATE_LIMIT_ENABLED:
            self.rule = rule_named(rule, deps.settings)
        self.status: RateLimitStatus | None = None
        self.carried: CarriedHit | None = None

    def before_authentication(self, request: Request, *, actor_lookup: bool = False) -> None:
        """Count by client IP. With `actor_lookup` (the request's token will be looked up)
        on PostgreSQL, the hit rides along that statement instead (`carried`), and
        `settle()` judges it: call it once authentication has ended, however it ended."""
        if self.rule is None or self.rule.per_user:
            return
        client = ip_client(request.client_ip)
        if actor_lookup and self.deps.engine.dialect.name == "postgresql":
            self.carried = CarriedHit(self.rule, client, self.deps.clock())
        else:
            self._count(self.rule, client)

    def settle(self) -> None:
        """The carried hit's verdict, before any other answer: 429 wins over 401, 403 and
        413 as when it is counted first. A hit no statement carried (the token was refused
        before the lookup, the body too large) is counted alone now."""
        carried, self.carried = self.carried, None
        if carried is None:
            return
        if carried.hits is not None:
            self._judge(carried.status(carried.hits))
        elif not carried.sent:
            self._count(carried.rule, carried.client)
        else:
            # The lookup failed: the request ends in 503, uncounted as any other would.
            metrics.increment("lms_state_store_uncounted_total", counter="rate_limit")

    def after_authentication(self, request: Request) -> None:
        if self.rule is not None and self.rule.per_user:
            # A route open to anonymous callers has no user to count by: count the address.
            actor = request.actor
            self._count(self.rule, user_client(actor.id) if actor else ip_client(request.client_ip))

    def _count(self, rule: RateLimitRule, client: str) -> None:
        if counters_paused():
            return  # the database just failed: let the request's own statement find out
        try:
            status = count_request(self.deps.engine, rule, client, self.deps.clock())
        except Exception as exc:
            # Fail open: a limiter that answers 503 whenever its counter table is unreachable
            # would turn a database hiccup into a full outage, and the routes that need the
            # database will report it themselves. The warning says what went uncounted.
            # Timeouts too (the pool's, the socket's, PostgreSQL's statement_timeout).
            if not (isinstance(exc, SQLAlchemyError) or is_database_unavailable(exc)):
                raise
            if is_database_unavailable(exc):
                note_unavailable()
            metrics.increment("lms_state_store_uncounted_total", counter="rate_limit")
            not_counted.warn(rule.name, exc)
            return
        self._judge(status)

    def _judge(self, status: RateLimitStatus) -> None:
        self.status = status
        if status.exceeded:
            metrics.increment("http_rate_limited_requests_total", rule=status.rule.name)
            raise RateLimitExceededError(EXCEEDED_DETAIL, retry_after=status.retry_after_seconds)

    def add_headers(self, reply: Reply) -> None:
        if self.status is None:
            return
        reply.headers["X-RateLimit-Limit"] = str(self.status.rule.limit)
        reply.headers["X-RateLimit-Remaining"] = str(self.status.remaining)
        reply.headers["X-RateLimit-Reset"] = str(self.status.resets_at_epoch)


class NotCountedLog:
    """At most one warning per interval while counting fails, with how many went uncounted.

    In an outage every request fails to count; a line each would bury the cause.
    """

    def __init__(self, interval_seconds: float = 60.0) -> None:
        self.interval_seconds = interval_seconds
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._last_warning = -math.inf
            self._suppressed = 0

    def warn(self, rule: str, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_warning < self.interval_seconds:
                self._suppressed += 1
                return
            self._last_warning, suppressed, self._suppressed = now, self._suppressed, 0
        log.warning(
            "rate limit %r: the database did not answer, so the request went through "
            "uncounted (%d more since the last warning); check DATABASE_URL and migrations",
            rule,
            suppressed,
            exc_info=exc,
        )


not_counted = NotCountedLog()
