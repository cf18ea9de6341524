"""Every model, imported once so Base.metadata is complete (Alembic and the drift test read it)."""

from shared.domain.base import Base
from shared.domain.inbox import ProcessedMessage
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.domain.timers import TimerSchedule

__all__ = ["Base", "OutboxMessage", "ProcessedMessage", "QueuedMessage", "TimerSchedule"]
