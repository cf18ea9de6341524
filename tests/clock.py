"""A clock tests set and move by hand, installed in the dependencies the code under test uses.

def test_a_window_ends(clock: ManualClock) -> None:
    ...
    clock.advance(seconds=61)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def __repr__(self) -> str:
        return f"ManualClock({self.now.isoformat()})"

    def advance(self, **delta: float) -> datetime:
        """Move forward by timedelta(**delta); returns the new time."""
        self.now += timedelta(**delta)
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now
