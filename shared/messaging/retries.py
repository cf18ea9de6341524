"""When a failed delivery is tried again: exponential backoff with full jitter, on both brokers.

A handler that raises (the mail server is down, a webhook receiver answers 503) is not retried
at once: ten deliveries in half a second would dead-letter a mail over a blip. Delivery n
that failed is followed by delivery n + 1 after a random delay between the first delay and

    ceiling(n) = min(max_delay, first_delay * multiplier ** (n - 1))

(full jitter, so the consumers of a burst that failed together do not all come back at the
same second). With the defaults (5 s, x5, at most 15 min) the ceilings are 5 s, 25 s, 2 min,
10 min, then 15 min: the 10 deliveries of a message span about 45 minutes on average and at
most 90 before it is dead-lettered.

The local broker applies the delay itself (the message becomes visible again at
`visible_at`); on Service Bus, where the Functions host owns the lock and abandons at once,
the adapter completes the delivery and schedules a copy that carries the delivery count
(`ServiceBusBroker.redeliver_later`).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from shared.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    max_deliveries: int = 10
    first_delay: timedelta = timedelta(seconds=5)
    multiplier: float = 5.0
    max_delay: timedelta = timedelta(minutes=15)
    rng: random.Random = field(default_factory=secrets.SystemRandom, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_deliveries < 1:
            raise ValueError("max_deliveries must be at least 1")
        if self.first_delay <= timedelta(0) or self.max_delay < self.first_delay:
            raise ValueError("retry delays need 0 < first_delay <= max_delay")
        if self.multiplier < 1:
            raise ValueError("the backoff multiplier must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings, rng: random.Random | None = None) -> RetryPolicy:
        return cls(
            max_deliveries=settings.QUEUE_MAX_DELIVERY_COUNT,
            first_delay=timedelta(seconds=settings.QUEUE_RETRY_FIRST_DELAY_SECONDS),
            multiplier=settings.QUEUE_RETRY_BACKOFF_MULTIPLIER,
            max_delay=timedelta(seconds=settings.QUEUE_RETRY_MAX_DELAY_SECONDS),
            rng=rng or secrets.SystemRandom(),
        )

    def is_last(self, delivery_count: int) -> bool:
        """True when delivery number `delivery_count` was the last one a message gets."""
        return delivery_count >= self.max_deliveries

    def ceiling(self, delivery_count: int) -> timedelta:
        """The longest wait after failed delivery number `delivery_count` (from 1)."""
        first = self.first_delay.total_seconds()
        # The exponent is bounded so a large delivery count cannot overflow the float.
        exponent = min(max(delivery_count, 1) - 1, 64)
        seconds = min(self.max_delay.total_seconds(), first * self.multiplier**exponent)
        return timedelta(seconds=seconds)

    def delay(self, delivery_count: int) -> timedelta:
        """How long to wait after failed delivery number `delivery_count` before the next."""
        low = self.first_delay.total_seconds()
        high = self.ceiling(delivery_count).total_seconds()
        return timedelta(seconds=self.rng.uniform(low, high))
