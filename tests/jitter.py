"""Randomness the retry tests pin down: the policy's jitter drawn at one end of its range.

The bounds themselves are tested with real randomness (tests/unit/messaging/test_retries.py);
the end-to-end tests use these so each delay is known and the clock can be moved by it.
"""

from __future__ import annotations

import random


class LongestJitter(random.Random):
    """Every draw is the top of its range: each retry waits its full ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b
