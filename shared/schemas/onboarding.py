"""Onboarding progress, as both the admin and the instructor onboarding endpoints report it."""

from __future__ import annotations

from datetime import datetime

from shared.schemas.base import Schema


class OnboardingProgress(Schema):
    step: int  # how many steps are done
    completed_steps: list[str]
    current_step: str  # the first step not done yet, "complete" once all are
    total_steps: int
    progress_percentage: float
    is_complete: bool
    last_updated: datetime
