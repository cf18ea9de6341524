"""Onboarding progress, as both the admin and the instructor onboarding endpoints report it."""

from __future__ import annotations

from datetime import datetime

from shared.schemas.base import Schema


class OnboardingProgress(Schema):
    """The reference's shape: steps by name, and `step`/`current_step` both name the last step
    done (its clients read them that way), not the next one to do."""

    step: str
    completed_steps: list[str]
    current_step: str
    total_steps: int
    progress_percentage: int  # whole percent of the steps done, rounded down
    is_complete: bool
    last_updated: datetime
