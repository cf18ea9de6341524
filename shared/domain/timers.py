"""Which occurrence of each timer trigger ran last, and who is running it now.

The Functions host runs a timer on one instance at a time (a blob lease); the local host gets
the same guarantee across its threads and across several `lms serve` processes from this row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class TimerSchedule(Base):
    __tablename__ = "timer_schedules"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_occurrence_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None]
