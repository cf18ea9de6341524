"""The local broker keeps Service Bus semantics, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared import bootstrap
from shared.messaging.broker import OutgoingMessage
from shared.messaging.local import LocalBroker, MessageLockLostError
from shared.messaging.retries import RetryPolicy
from tests.clock import ManualClock
from tests.jitter import LongestJitter

pytestmark = pytest.mark.postgres


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))


@pytest.fixture
def broker(database_url: str, clock: ManualClock) -> LocalBroker:
    return LocalBroker(
        bootstrap.current().sessions,
        retries=RetryPolicy(max_deliveries=3, rng=LongestJitter()),
        lock_duration=timedelta(seconds=30),
        clock=clock,
    )


def message(
    message_id: str, queue: str = "emails", scheduled_at: datetime | None = None
) -> OutgoingMessage:
    return OutgoingMessage(
        queue=queue, message_id=message_id, body=b'{"n": 1}', subject="t", scheduled_at=scheduled_at
    )


def test_a_sent_message_is_received_once_with_delivery_count_1(broker: LocalBroker) -> None:
    broker.send([message("m1")])
    [received] = broker.receive("emails", 10)
    assert (received.message_id, received.delivery_count, received.body) == ("m1", 1, b'{"n": 1}')
    assert broker.receive("emails", 10) == []  # locked


def test_a_message_id_sent_twice_is_stored_once(broker: LocalBroker) -> None:
    broker.send([message("dup"), message("dup")])
    broker.send([message("dup")])
    assert len(broker.receive("emails", 10)) == 1


def test_a_completed_message_id_is_still_dropped_within_the_window(broker: LocalBroker) -> None:
    broker.send([message("once")])
    broker.complete(broker.receive("emails")[0])
    broker.send([message("once")])
    assert broker.receive("emails") == []


def test_queues_are_separate(broker: LocalBroker) -> None:
    broker.send([message("a", queue="emails"), message("a", queue="progress")])
    assert [m.queue for m in broker.receive("progress", 10)] == ["progress"]


def test_a_scheduled_message_waits_for_its_time(broker: LocalBroker, clock: ManualClock) -> None:
    broker.send([message("later", scheduled_at=clock.now + timedelta(seconds=60))])
    assert broker.receive("emails") == []
    assert broker.stats("emails").scheduled == 1
    clock.advance(seconds=61)
    assert [m.message_id for m in broker.receive("emails")] == ["later"]


def test_an_expired_lock_makes_the_message_deliverable_again(
    broker: LocalBroker, clock: ManualClock
) -> None:
    broker.send([message("slow")])
    first = broker.receive("emails")[0]
    clock.advance(seconds=31)
    second = broker.receive("emails")[0]
    assert second.delivery_count == 2
    with pytest.raises(MessageLockLostError):
        broker.complete(first)
    broker.complete(second)


def test_an_abandoned_message_comes_back_after_the_backoff_with_the_next_delivery_count(
    broker: LocalBroker, clock: ManualClock
) -> None:
    broker.send([message("retry")])
    broker.abandon(broker.receive("emails")[0], "boom")
    assert broker.receive("emails") == []
    stats = broker.stats("emails")
    assert (stats.active, stats.scheduled) == (0, 1)
    clock.advance(seconds=4.9)
    assert broker.receive("emails") == []
    clock.advance(seconds=0.1)
    assert broker.receive("emails")[0].delivery_count == 2


def test_each_abandon_holds_the_message_back_longer_than_the_one_before(
    broker: LocalBroker, clock: ManualClock
) -> None:
    broker.send([message("retry")])
    received = broker.receive("emails")[0]
    for expected_wait in (5.0, 25.0):
        broker.abandon(received, "boom")
        clock.advance(seconds=expected_wait - 0.5)
        assert broker.receive("emails") == [], f"back before its {expected_wait} s backoff"
        clock.advance(seconds=0.5)
        [received] = broker.receive("emails")
    assert received.delivery_count == 3


def test_the_last_abandon_dead_letters_with_the_reason_and_error(
    broker: LocalBroker, clock: ManualClock
) -> None:
    broker.send([message("poison")])
    for _ in range(3):
        broker.abandon(broker.receive("emails")[0], "ValueError: bad payload")
        clock.advance(minutes=15)
    assert broker.receive("emails") == []
    [letter] = broker.dead_letters("emails")
    assert letter.message_id == "poison"
    assert letter.reason == "MaxDeliveryCountExceeded"
    assert letter.description == "ValueError: bad payload"
    assert letter.delivery_count == 3


def test_a_lock_that_expires_after_the_last_delivery_dead_letters(
    broker: LocalBroker, clock: ManualClock
) -> None:
    broker.send([message("hangs")])
    for _ in range(3):
        broker.receive("emails")
        clock.advance(seconds=31)
    assert broker.receive("emails") == []
    assert [d.reason for d in broker.dead_letters("emails")] == ["MaxDeliveryCountExceeded"]


def test_explicit_dead_letter_keeps_reason_and_description(broker: LocalBroker) -> None:
    broker.send([message("rejected")])
    broker.dead_letter(broker.receive("emails")[0], "AddressRejected", "550 no such user")
    [letter] = broker.dead_letters("emails")
    assert (letter.reason, letter.description) == ("AddressRejected", "550 no such user")


def test_replay_puts_dead_letters_back_with_a_fresh_delivery_count(broker: LocalBroker) -> None:
    broker.send([message("a"), message("b")])
    for received in broker.receive("emails", 10):
        broker.dead_letter(received, "Manual", None)
    assert broker.replay_dead_letters("emails", ["a"]) == 1
    [again] = broker.receive("emails", 10)
    assert (again.message_id, again.delivery_count) == ("a", 1)
    assert [d.message_id for d in broker.dead_letters("emails")] == ["b"]


def test_purge_deletes_dead_letters(broker: LocalBroker) -> None:
    broker.send([message("a"), message("b")])
    for received in broker.receive("emails", 10):
        broker.dead_letter(received, "Manual", None)
    assert broker.purge_dead_letters("emails") == 2
    assert broker.dead_letters("emails") == []


def test_stats_count_active_scheduled_and_dead_letters(
    broker: LocalBroker, clock: ManualClock
) -> None:
    broker.send([message("a"), message("b"), message("c", scheduled_at=clock.now + timedelta(1))])
    broker.dead_letter(broker.receive("emails")[0], "Manual", None)
    clock.advance(seconds=90)
    stats = broker.stats("emails")
    assert (stats.active, stats.scheduled, stats.dead_lettered) == (1, 1, 1)
    assert stats.oldest_active_age_seconds == pytest.approx(90)


def test_an_unknown_queue_is_refused(broker: LocalBroker) -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        broker.send([message("x", queue="payments")])


def test_concurrent_receivers_never_share_a_message(database_url: str) -> None:
    broker = LocalBroker(bootstrap.current().sessions)
    broker.send([message(f"m{i}") for i in range(200)])
    taken: list[str] = []
    lock = threading.Lock()

    def drain() -> None:
        while batch := broker.receive("emails", 5):
            with lock:
                taken.extend(m.message_id for m in batch)
            for received in batch:
                broker.complete(received)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(f"m{i}" for i in range(200))
