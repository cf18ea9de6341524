"""Onboarding progress, as both the admin and the instructor onboarding endpoints report it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class OnboardingProgress(BaseModel):
    step: int  # how many steps are done
    completed_steps: list[str]
    current_step: str  # the first step not done yet, "complete" once all are
    total_steps: int
    progress_percentage: float
    is_complete: bool
    last_updated: datetime
