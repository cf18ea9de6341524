"""Counters shared by every instance: failed logins (lockout) and request rates.

Both are single rows updated with one atomic statement, so any number of Function instances
or `lms serve` processes count together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class LoginFailure(Base):
    """Failed logins for one key: `email:<normalized>` or `ip:<address>`."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_window_started_at", "window_started_at"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class RateLimitCounter(Base):
    """Requests of one client under one rule in one fixed window."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_window_ends_at", "window_ends_at"),)

    rule: Mapped[str] = mapped_column(String(30), primary_key=True)
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    window_ends_at: Mapped[datetime]
    hits: Mapped[int] = mapped_column(default=0)
