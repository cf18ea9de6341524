"""Readiness: can this instance do its work? Database, broker and file storage, checked now."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import text

from shared.config import Settings
from shared.db import get_engine
from shared.domain.errors import DependencyUnavailableError

log = logging.getLogger("lms.health")


@dataclass
class Readiness:
    components: dict[str, str] = field(default_factory=dict)  # name -> "up" | "down"
    problems: dict[str, str] = field(default_factory=dict)  # name -> why it is down

    @property
    def ready(self) -> bool:
        return not self.problems


@functools.cache
def _expected_schema_revision() -> str | None:
    from shared.schema import head_revision  # alembic is only needed here, not at cold start

    return head_revision()


def check_database() -> None:
    try:
        connection = get_engine().connect()
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
    expected = _expected_schema_revision()
    if revision != expected:
        raise DependencyUnavailableError(
            f"the schema is at revision {revision}, the code needs {expected}; run `lms migrate`"
        )


def check_storage(settings: Settings) -> None:
    from shared.storage import get_blob_store

    get_blob_store(settings).check()


def check_readiness(settings: Settings) -> Readiness:
    checks: dict[str, Callable[[], None]] = {
        "database": check_database,
        "storage": lambda: check_storage(settings),
    }
    readiness = Readiness()
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        futures = {name: pool.submit(check) for name, check in checks.items()}
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
    # The local broker is a table in that same database: it is up exactly when the database is.
    readiness.components["broker"] = readiness.components["database"]
    if "database" in readiness.problems:
        readiness.problems["broker"] = "the local broker lives in the database, which is down"
    return readiness
