"""The retry policy: exponential ceilings, full jitter within its bounds, settings checked."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from shared.config import Settings, UnsafeSettingsError, load_settings
from shared.messaging.retries import RetryPolicy


def test_the_default_ceilings_grow_five_fold_from_5_seconds_up_to_15_minutes() -> None:
    policy = RetryPolicy()
    ceilings = [policy.ceiling(n).total_seconds() for n in range(1, 10)]
    assert ceilings == [5, 25, 125, 625, 900, 900, 900, 900, 900]


def test_every_delay_lies_between_the_first_delay_and_its_ceiling() -> None:
    policy = RetryPolicy(rng=random.Random(20261203))
    for failed_delivery in range(1, 10):
        ceiling = policy.ceiling(failed_delivery)
        delays = [policy.delay(failed_delivery) for _ in range(2000)]
        assert min(delays) >= timedelta(seconds=5)
        assert max(delays) <= ceiling
        if ceiling > timedelta(seconds=5):
            # Full jitter spreads the retries over the range, not at one end of it.
            spread = ceiling - timedelta(seconds=5)
            assert min(delays) < timedelta(seconds=5) + spread * 0.05
            assert max(delays) > ceiling - spread * 0.05


def test_the_ten_deliveries_of_a_failing_message_span_about_three_quarters_of_an_hour() -> None:
    policy = RetryPolicy(rng=random.Random(7))
    runs = [sum(policy.delay(n).total_seconds() for n in range(1, 10)) for _ in range(500)]
    mean_minutes = sum(runs) / len(runs) / 60
    assert 40 < mean_minutes < 50
    assert max(runs) <= sum(policy.ceiling(n).total_seconds() for n in range(1, 10))


def test_a_huge_delivery_count_waits_the_maximum_rather_than_overflowing() -> None:
    assert RetryPolicy().ceiling(10_000) == timedelta(minutes=15)


def test_only_the_last_delivery_is_last() -> None:
    policy = RetryPolicy(max_deliveries=3)
    assert [policy.is_last(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_the_policy_follows_the_settings() -> None:
    settings = Settings(
        QUEUE_MAX_DELIVERY_COUNT=4,
        QUEUE_RETRY_FIRST_DELAY_SECONDS=2,
        QUEUE_RETRY_BACKOFF_MULTIPLIER=3,
        QUEUE_RETRY_MAX_DELAY_SECONDS=10,
    )
    policy = RetryPolicy.from_settings(settings)
    assert policy.max_deliveries == 4
    assert [policy.ceiling(n).total_seconds() for n in (1, 2, 3)] == [2, 6, 10]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("QUEUE_RETRY_FIRST_DELAY_SECONDS", "0"),
        ("QUEUE_RETRY_FIRST_DELAY_SECONDS", "soon"),
        ("QUEUE_RETRY_BACKOFF_MULTIPLIER", "0.5"),
        ("QUEUE_RETRY_MAX_DELAY_SECONDS", "100000"),
    ],
)
def test_a_retry_setting_out_of_range_is_refused_at_start_up_by_name(name: str, value: str) -> None:
    with pytest.raises(UnsafeSettingsError, match=name):
        load_settings({name: value})


def test_a_maximum_delay_below_the_first_is_refused_with_what_to_change() -> None:
    with pytest.raises(UnsafeSettingsError, match="raise the maximum or lower the first delay"):
        load_settings(
            {"QUEUE_RETRY_FIRST_DELAY_SECONDS": "60", "QUEUE_RETRY_MAX_DELAY_SECONDS": "30"}
        )
