"""Deleting rows whose time is over, so tables stay the size of their working set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete

from shared.config import Settings
from shared.domain.inbox import ProcessedMessage
from shared.domain.queue_messages import COMPLETED, QueuedMessage
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class PurgeResult:
    inbox_rows: int
    settled_queue_messages: int


def purge_expired(settings: Settings, now: datetime) -> PurgeResult:
    """Forget handled message ids after INBOX_RETENTION_DAYS, and completed local-queue
    messages after the duplicate-detection window."""
    inbox_cutoff = now - timedelta(days=settings.INBOX_RETENTION_DAYS)
    queue_cutoff = now - timedelta(seconds=settings.QUEUE_DUPLICATE_DETECTION_WINDOW_SECONDS)
    with UnitOfWork() as uow:
        inbox = uow.session.execute(
            delete(ProcessedMessage).where(ProcessedMessage.processed_at < inbox_cutoff)
        )
        settled = uow.session.execute(
            delete(QueuedMessage).where(
                QueuedMessage.state == COMPLETED, QueuedMessage.settled_at < queue_cutoff
            )
        )
        uow.commit()
    return PurgeResult(
        inbox_rows=int(inbox.rowcount),  # type: ignore[attr-defined]
        settled_queue_messages=int(settled.rowcount),  # type: ignore[attr-defined]
    )
