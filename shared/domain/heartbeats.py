"""When each timer last ran, and when each queue's consumers last showed they were alive.

Written by the timer and queue functions themselves (in Azure and under `lms serve` alike), so
"the workers are down" reads the same everywhere: a timer whose last success is old, a queue
whose messages wait while its consumers' last beat is old. Readiness and /metrics read them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    # "timer" or "consumer", then the timer's function name or the queue's name.
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_success_at: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
