"""The AMQP 1.0 test broker (tests/servicebus_broker/) that stands in for Service Bus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servicebus_broker import RunningBroker, start_broker


@pytest.fixture
def servicebus_broker() -> Iterator[RunningBroker]:
    running = start_broker(max_delivery_count=10, lock_duration=30.0)
    yield running
    if running.is_running:
        running.stop()
