"""Readiness: can this instance do its work? Database, state store, broker and file storage,
checked now.

The mail transport is checked too, but reported as a warning: a mail server that is down
does not stop this instance from serving requests (the e-mails wait in the queue and are
retried for about an hour), so it must not take the instance out of rotation.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import literal, select, text

from shared.domain.errors import DependencyUnavailableError
from shared.domain.throttling import LoginFailure, RateLimitCounter
from shared.domain.tokens import SpentToken
from shared.messages.base import QUEUES
from shared.services.workers import check_workers
from shared.version import SCHEMA_REVISION

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = logging.getLogger("lms.health")


@dataclass
class Readiness:
    components: dict[str, str] = field(default_factory=dict)  # name -> "up" | "down"
    problems: dict[str, str] = field(default_factory=dict)  # name -> why it is down
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    timers: dict[str, dict[str, Any]] = field(default_factory=dict)
    consumers: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)  # name -> why, not fatal

    @property
    def ready(self) -> bool:
        return not self.problems


def check_database(deps: Dependencies) -> None:
    try:
        connection = deps.engine.connect()
    except Exception as exc:
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        raise DependencyUnavailableError("the database does not answer") from exc
    with connection:
        try:
            revision = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar_one_or_none()
        except Exception as exc:
            raise DependencyUnavailableError(
                "the database answers but has no schema; run `lms migrate`"
            ) from exc
    expected = SCHEMA_REVISION
    if revision != expected:
        raise DependencyUnavailableError(
            f"the schema is at revision {revision}, the code needs {expected}; run `lms migrate`"
        )


# The tables that took over Redis's roles in the reference: rate limits, lockout and revoked
# tokens. Readiness reports them under the reference's `redis` key, which its probes read.
STATE_STORE_TABLES = (RateLimitCounter.__table__, LoginFailure.__table__, SpentToken.__table__)


def check_state_store(deps: Dependencies) -> None:
    """Each state table answers a read (what every request's rate limit and token check does)."""
    try:
        with deps.engine.connect() as connection:
            for table in STATE_STORE_TABLES:
                connection.execute(select(literal(1)).select_from(table).limit(1)).all()
    except Exception as exc:
        log.warning("readiness: state store check failed: %s", type(exc).__name__)
        raise DependencyUnavailableError(
            "the rate-limit, lockout and revoked-token tables cannot be read; "
            "check the database and run `lms migrate`"
        ) from exc


# Peeking Service Bus opens links; a probe every few seconds should not do that each time.
QUEUE_FIGURES_TTL_SECONDS = 30.0
_queue_figures: tuple[float, object, dict[str, dict[str, Any]]] | None = None


def queue_figures(deps: Dependencies) -> dict[str, dict[str, Any]]:
    """Depth, oldest message age and dead letters per queue, at most TTL seconds old."""
    global _queue_figures
    cached = _queue_figures
    if cached and cached[1] is deps and time.monotonic() - cached[0] < QUEUE_FIGURES_TTL_SECONDS:
        return cached[2]
    figures = {}
    for queue in QUEUES:
        stats = deps.broker.stats(queue)
        figures[queue] = {
            "active": stats.active,
            "scheduled": stats.scheduled,
            "dead_lettered": stats.dead_lettered,
            "oldest_age_seconds": (
                None
                if stats.oldest_active_age_seconds is None
                else round(stats.oldest_active_age_seconds, 1)
            ),
        }
    _queue_figures = (time.monotonic(), deps, figures)
    return figures


# An SMTP check opens a connection (and logs in): not at every probe of every instance.
MAIL_CHECK_TTL_SECONDS = 30.0
_mail_check: tuple[float, object, str | None] | None = None


def check_mail(deps: Dependencies) -> str | None:
    """Why the mail transport cannot deliver now, or None; at most TTL seconds old."""
    global _mail_check
    cached = _mail_check
    if cached and cached[1] is deps and time.monotonic() - cached[0] < MAIL_CHECK_TTL_SECONDS:
        return cached[2]
    problem = None
    try:
        deps.mail.check()
    except DependencyUnavailableError as exc:
        problem = exc.detail
    except Exception:
        log.error("readiness: the mail check raised", exc_info=True)
        problem = "the mail check failed; see the logs"
    _mail_check = (time.monotonic(), deps, problem)
    return problem


_checkers: tuple[int, ThreadPoolExecutor] | None = None
_checkers_lock = threading.Lock()


def _checker_pool() -> ThreadPoolExecutor:
    """The threads that run the checks side by side (a hung dependency costs its own timeout,
    not the sum of all). Made once per process: starting and joining three threads at every
    probe cost hundreds of milliseconds when request threads hold the GIL. A forked worker
    process makes its own, since threads do not survive a fork."""
    global _checkers
    with _checkers_lock:
        if _checkers is None or _checkers[0] != os.getpid():
            _checkers = (os.getpid(), ThreadPoolExecutor(4, thread_name_prefix="readiness"))
        return _checkers[1]


def _check_storage(deps: Dependencies) -> None:
    # Files and certificates live in containers of their own: both must be usable.
    deps.blobs.check()
    deps.certificate_blobs.check()


def check_readiness(deps: Dependencies) -> Readiness:
    checks: dict[str, Callable[[], None]] = {
        "database": lambda: check_database(deps),
        "redis": lambda: check_state_store(deps),
        "broker": lambda: deps.broker.check(),
        "storage": lambda: _check_storage(deps),
    }
    readiness = Readiness()
    pool = _checker_pool()
    futures = {name: pool.submit(check) for name, check in checks.items()}
    mail = pool.submit(check_mail, deps)
    pending: list[Future[Any]] = [*futures.values(), mail]
    wait(pending)
    for name, future in futures.items():
        error = future.exception()
        if error is None:
            readiness.components[name] = "up"
            continue
        readiness.components[name] = "down"
        if isinstance(error, DependencyUnavailableError):
            readiness.problems[name] = error.detail
        else:
            log.error("readiness: %s check raised", name, exc_info=error)
            readiness.problems[name] = "the check failed; see the logs"
    mail_problem = mail.result()
    readiness.components["mail"] = "down" if mail_problem else "up"
    if mail_problem:
        readiness.warnings["mail"] = mail_problem
    if readiness.components["broker"] == "up":
        # Figures inform; a deep queue or dead letters do not make the instance unready.
        try:
            readiness.queues = queue_figures(deps)
        except Exception:
            log.warning("readiness: queue figures unavailable", exc_info=True)
    if readiness.components["database"] == "up":
        try:
            check_workers(deps, readiness)
        except Exception:
            log.warning("readiness: worker heartbeats unavailable", exc_info=True)
    return readiness
