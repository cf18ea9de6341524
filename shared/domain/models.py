"""Every model, imported once so Base.metadata is complete (Alembic and the drift test read it)."""

from shared.domain.base import Base
from shared.domain.timers import TimerSchedule

__all__ = ["Base", "TimerSchedule"]
