"""What time it is: one clock for every rule that reads the time.

The composition root (shared/bootstrap.py) holds the clock; units of work carry it
(`uow.clock()`), so a service, the broker and the timers all read the same one, and a test
sets the time by building its dependencies with another clock instead of patching modules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The system clock, timezone-aware, in UTC."""
    return datetime.now(UTC)
