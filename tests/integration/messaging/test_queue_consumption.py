"""Queue functions fed by the local broker: retries, dead letters, replay, and two processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from sqlalchemy import func as sql_func
from sqlalchemy import select

from shared import bootstrap
from shared.domain.inbox import ProcessedMessage
from shared.local.app_functions import QueueFunction
from shared.local.queue_consumer import QueueConsumer
from shared.messaging.consumer import HandlerTable
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker, ReceivedMessage
from shared.messaging.retries import RetryPolicy
from tests.clock import ManualClock
from tests.integration.messaging.messages import BurstWork, FlakyWork, queue_function
from tests.integration.queue_draining import drain
from tests.jitter import LongestJitter
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres

REPO_ROOT = Path(__file__).resolve().parents[3]


def local_broker() -> LocalBroker:
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    return broker


@pytest.fixture
def flaky_handler() -> dict[str, object]:
    return {"fail": True, "runs": 0, "failures_left": None}


@pytest.fixture
def emails_function(flaky_handler: dict[str, object]) -> QueueFunction:
    """An `emails` queue function whose handler fails while flaky_handler["fail"] is set, or
    its first flaky_handler["failures_left"] runs when that is a number."""

    def flaky() -> None:
        flaky_handler["runs"] = int(flaky_handler["runs"]) + 1  # type: ignore[call-overload]
        left = flaky_handler["failures_left"]
        if isinstance(left, int):
            flaky_handler["failures_left"] = left - 1
            if left > 0:
                raise ConnectionError("smtp.example.com refused the connection")
        elif flaky_handler["fail"]:
            raise ConnectionError("smtp.example.com refused the connection")

    return queue_function(HandlerTable("emails", {FlakyWork: flaky}))


def publish(message: FlakyWork | BurstWork | None = None) -> str:
    with unit_of_work() as uow:
        [message_id] = uow.publish(message or FlakyWork(n=1))
        uow.commit()
    return str(message_id)


def test_the_function_gets_a_service_bus_message_like_the_host_gives(database_url: str) -> None:
    seen: list[func.ServiceBusMessage] = []
    capture = QueueFunction("emails_capture", "emails", seen.append)
    message_id = publish()
    broker = local_broker()
    QueueConsumer([capture], broker).deliver(capture, broker.receive("emails")[0])
    [message] = seen
    assert message.message_id == message_id
    assert message.delivery_count == 1
    assert message.enqueued_time_utc is not None
    assert Envelope.from_bytes(message.get_body()).type == "test.flaky"


def test_a_handler_that_fails_three_times_is_retried_after_growing_delays_and_runs_once(
    database_url: str,
    install_dependencies: Any,
    emails_function: QueueFunction,
    flaky_handler: dict[str, object],
) -> None:
    clock = ManualClock()
    install_dependencies(clock=clock, retries=RetryPolicy(rng=LongestJitter()))
    flaky_handler["failures_left"] = 3
    message_id = publish()
    broker = local_broker()

    waits: list[float] = []
    assert drain(QueueConsumer([emails_function], broker), emails_function, clock, waits) == 4

    assert waits == [5.0, 25.0, 125.0]
    assert flaky_handler["runs"] == 4
    with unit_of_work() as uow:
        handled = uow.session.scalars(select(ProcessedMessage.message_id)).all()
    assert handled == [message_id]
    stats = broker.stats("emails")
    assert (stats.active, stats.scheduled, stats.dead_lettered) == (0, 0, 0)


def test_a_failed_delivery_is_not_retried_before_its_backoff(
    database_url: str,
    clock: ManualClock,
    emails_function: QueueFunction,
    flaky_handler: dict[str, object],
) -> None:
    publish()
    broker = local_broker()
    consumer = QueueConsumer([emails_function], broker)
    assert not consumer.deliver(emails_function, broker.receive("emails")[0])
    clock.advance(seconds=4.9)
    assert broker.receive("emails") == []
    assert (broker.stats("emails").active, broker.stats("emails").scheduled) == (0, 1)
    assert flaky_handler["runs"] == 1


def test_a_handler_that_always_fails_is_dead_lettered_after_10_deliveries(
    database_url: str,
    clock: ManualClock,
    emails_function: QueueFunction,
    flaky_handler: dict[str, object],
) -> None:
    broker = local_broker()
    assert broker.max_delivery_count == 10
    message_id = publish()
    waits: list[float] = []
    assert drain(QueueConsumer([emails_function], broker), emails_function, clock, waits) == 10
    assert flaky_handler["runs"] == 10
    policy = bootstrap.current().retries
    assert len(waits) == 9
    for failed_delivery, wait in enumerate(waits, start=1):
        assert 5.0 <= wait <= policy.ceiling(failed_delivery).total_seconds()
    [letter] = broker.dead_letters("emails")
    assert letter.message_id == message_id
    assert letter.reason == "MaxDeliveryCountExceeded"
    assert letter.description == "ConnectionError: smtp.example.com refused the connection"
    assert letter.delivery_count == 10


def test_a_replayed_dead_letter_is_processed_once(
    database_url: str,
    clock: ManualClock,
    emails_function: QueueFunction,
    flaky_handler: dict[str, object],
) -> None:
    broker = local_broker()
    message_id = publish()
    queue_consumer = QueueConsumer([emails_function], broker)
    drain(queue_consumer, emails_function, clock)
    flaky_handler["fail"] = False
    flaky_handler["runs"] = 0
    assert broker.replay_dead_letters("emails", [message_id]) == 1
    assert drain(queue_consumer, emails_function) == 1
    assert flaky_handler["runs"] == 1
    assert broker.dead_letters("emails") == []
    assert broker.stats("emails").active == 0
    with unit_of_work() as uow:
        assert uow.session.get(ProcessedMessage, ("emails", message_id)) is not None


def test_a_burst_of_1000_messages_is_handled_exactly_once_by_two_processes(
    postgres_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_database)
    bootstrap.reset()
    with unit_of_work() as uow:
        for n in range(1000):
            uow.publish(BurstWork(n=n))
        uow.commit()
    assert local_broker().stats("progress").active == 1000

    env = {**os.environ, "DATABASE_URL": postgres_database}
    outs = [tmp_path / "a.txt", tmp_path / "b.txt"]
    ready = [tmp_path / "a.ready", tmp_path / "b.ready"]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.messaging.burst_worker",
                str(outs[i]),
                str(ready[i]),
                str(ready[1 - i]),
            ],
            cwd=REPO_ROOT,
            env=env,
        )
        for i in (0, 1)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    runs = [line for out in outs for line in out.read_text().split()]
    per_process = [len(out.read_text().split()) for out in outs]
    assert len(runs) == 1000, per_process
    assert max(Counter(runs).values()) == 1
    assert min(per_process) > 0, f"one process handled nothing: {per_process}"
    with unit_of_work() as uow:
        assert uow.session.scalar(select(sql_func.count()).select_from(ProcessedMessage)) == 1000
    stats = local_broker().stats("progress")
    assert (stats.active, stats.dead_lettered) == (0, 0)


class CountingBroker(LocalBroker):
    """The local broker, counting the receives its consumers make."""

    receives = 0

    def receive(self, queue: str, max_messages: int = 1) -> list[ReceivedMessage]:
        self.receives += 1
        return super().receive(queue, max_messages)


def test_an_idle_consumer_sleeps_until_a_commit_in_its_process_wakes_it(
    database_url: str,
) -> None:
    settings = bootstrap.current().settings
    sessions = bootstrap.current().sessions
    broker = CountingBroker(sessions)
    bootstrap.install(bootstrap.build(settings, broker=broker, sessions=sessions))
    handled = threading.Event()
    function = queue_function(HandlerTable("emails", {FlakyWork: handled.set}))
    # Every idle wait is longer than the test may take: only a wake-up can deliver in time.
    consumer = QueueConsumer([function], broker, min_idle_wait=600, max_idle_wait=600)
    consumer.start()
    try:
        publish()  # the commit's relay sends through `broker`, which rings the consumer
        assert handled.wait(30), "the relay after the commit did not wake the consumer"
    finally:
        consumer.stop()
    # One receive found the queue empty, one after the wake-up: no polling in between.
    assert broker.receives <= 3
