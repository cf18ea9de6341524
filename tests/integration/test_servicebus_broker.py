"""The AMQP 1.0 test broker behaves like Service Bus for the unmodified azure-servicebus SDK.

Every test drives the broker only through the SDK (sync API); the broker's inspection methods
check what the SDK cannot see. Opening a sender or receiver costs the SDK about half a second
(it reads one frame per 50 ms poll while connecting), so each test opens as few as it can.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusReceivedMessage,
    ServiceBusReceiveMode,
    ServiceBusReceiver,
    ServiceBusSender,
    ServiceBusSubQueue,
)
from azure.servicebus.exceptions import (
    MessageLockLostError,
    MessagingEntityNotFoundError,
    ServiceBusConnectionError,
)

from tests.servicebus_broker import RunningBroker, start_broker

QUEUE = "emails"
# Long enough for a receive to find a message that is there.
WAIT_SECONDS = 5.0

StartBroker = Callable[..., RunningBroker]


@pytest.fixture
def start() -> Iterator[StartBroker]:
    """Start a broker with the test's own settings; every one is stopped at teardown."""
    started: list[RunningBroker] = []

    def start(**options: object) -> RunningBroker:
        broker = start_broker(**options)  # type: ignore[arg-type]
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.stop()


@pytest.fixture
def broker(start: StartBroker) -> RunningBroker:
    return start()


def connect(broker: RunningBroker) -> ServiceBusClient:
    # retry_total=0: a test of failure should fail at once, not after the SDK's back-off.
    return ServiceBusClient.from_connection_string(broker.connection_string, retry_total=0)


def sender_for(client: ServiceBusClient, queue: str = QUEUE) -> ServiceBusSender:
    # keep_alive=None: no keep-alive thread, whose join costs up to a second on close.
    # (A receiver without prefetch always has one.)
    return client.get_queue_sender(queue, keep_alive=None)


def send(broker: RunningBroker, *messages: ServiceBusMessage, queue: str = QUEUE) -> None:
    """Send one message, or several as one batch (what the SDK does with a list)."""
    with connect(broker) as client, sender_for(client, queue) as sender:
        sender.send_messages(list(messages) if len(messages) > 1 else messages[0])


def receive_one(receiver: ServiceBusReceiver) -> ServiceBusReceivedMessage:
    received = receiver.receive_messages(max_message_count=1, max_wait_time=WAIT_SECONDS)
    assert len(received) == 1, f"no message within {WAIT_SECONDS} s"
    return received[0]


def test_a_sent_message_is_received_with_its_id_body_and_properties_and_completing_removes_it(
    broker: RunningBroker,
) -> None:
    send(broker, ServiceBusMessage("hello", message_id="m-1", application_properties={"k": "v"}))

    with connect(broker) as client, client.get_queue_receiver(QUEUE) as receiver:
        message = receive_one(receiver)
        assert (message.message_id, str(message)) == ("m-1", "hello")
        assert message.application_properties == {b"k": b"v"}  # the SDK reads text as bytes
        assert (message.delivery_count, message.sequence_number) == (1, 1)
        assert message.lock_token is not None
        assert message.enqueued_time_utc is not None
        assert message.locked_until_utc > datetime.now(UTC)
        assert broker.depth(QUEUE) == 1  # locked, not gone
        receiver.complete_message(message)

    assert broker.depth(QUEUE) == 0


def test_a_batch_of_fifty_arrives_as_fifty_messages_with_their_ids(broker: RunningBroker) -> None:
    ids = [f"batch-{n}" for n in range(50)]

    with connect(broker) as client:
        with sender_for(client) as sender:
            batch = sender.create_message_batch()
            for message_id in ids:
                batch.add_message(ServiceBusMessage(f"body of {message_id}", message_id=message_id))
            sender.send_messages(batch)
        assert [m.message_id for m in broker.messages(QUEUE)] == ids

        with client.get_queue_receiver(QUEUE) as receiver:
            received: list[ServiceBusReceivedMessage] = []
            while len(received) < len(ids):
                more = receiver.receive_messages(max_message_count=50, max_wait_time=WAIT_SECONDS)
                assert more, "the batch did not arrive whole"
                received += more
            for message in received:
                receiver.complete_message(message)

    assert [m.message_id for m in received] == ids
    assert [str(m) for m in received] == [f"body of {message_id}" for message_id in ids]
    assert broker.depth(QUEUE) == 0


def test_a_list_of_messages_is_sent_as_one_batch_and_queued_as_separate_messages(
    broker: RunningBroker,
) -> None:
    send(broker, ServiceBusMessage("a", message_id="a"), ServiceBusMessage("b", message_id="b"))

    assert [(m.message_id, m.body) for m in broker.messages(QUEUE)] == [("a", b"a"), ("b", b"b")]


def test_an_abandoned_message_is_redelivered_with_delivery_count_two(broker: RunningBroker) -> None:
    send(broker, ServiceBusMessage("retry me", message_id="m-1"))

    with connect(broker) as client, client.get_queue_receiver(QUEUE) as receiver:
        receiver.abandon_message(receive_one(receiver))
        again = receive_one(receiver)
        assert (again.message_id, again.delivery_count) == ("m-1", 2)
        receiver.complete_message(again)


def test_a_dead_lettered_message_can_be_peeked_and_read_from_the_dead_letter_queue(
    broker: RunningBroker,
) -> None:
    send(broker, ServiceBusMessage("poison", message_id="m-1"))

    with connect(broker) as client:
        with client.get_queue_receiver(QUEUE) as receiver:
            receiver.dead_letter_message(
                receive_one(receiver), reason="BadPayload", error_description="no 'to' address"
            )
        assert broker.depth(QUEUE) == 0

        with client.get_queue_receiver(QUEUE, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dlq:
            [peeked] = dlq.peek_messages(max_message_count=10)
            assert (peeked.message_id, peeked.dead_letter_reason) == ("m-1", "BadPayload")

            dead = receive_one(dlq)
            assert (dead.message_id, str(dead)) == ("m-1", "poison")
            assert dead.dead_letter_reason == "BadPayload"
            assert dead.dead_letter_error_description == "no 'to' address"
            assert dead.dead_letter_source == QUEUE
            dlq.complete_message(dead)

    assert broker.dead_letters(QUEUE) == []


@pytest.mark.parametrize("max_delivery_count", [3, 10])
def test_a_message_abandoned_max_delivery_count_times_is_dead_lettered(
    start: StartBroker, max_delivery_count: int
) -> None:
    broker = start(max_delivery_count=max_delivery_count)
    send(broker, ServiceBusMessage("always fails", message_id="m-1"))

    with connect(broker) as client, client.get_queue_receiver(QUEUE) as receiver:
        for attempt in range(1, max_delivery_count + 1):
            message = receive_one(receiver)
            assert message.delivery_count == attempt
            receiver.abandon_message(message)

    assert broker.depth(QUEUE) == 0
    [dead] = broker.dead_letters(QUEUE)
    assert dead.message_id == "m-1"
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert dead.dead_letter_error_description == (
        f"Message could not be consumed after {max_delivery_count} delivery attempts."
    )


def test_a_scheduled_message_is_not_received_before_its_time_and_is_received_after(
    broker: RunningBroker,
) -> None:
    with connect(broker) as client, client.get_queue_receiver(QUEUE) as receiver:
        assert receiver.receive_messages(max_wait_time=0.1) == []  # connect before the clock runs
        with sender_for(client) as sender:
            due = datetime.now(UTC) + timedelta(seconds=2)
            [sequence_number] = sender.schedule_messages(
                ServiceBusMessage("later", message_id="m-1"), due
            )
        assert broker.messages(QUEUE)[0].is_scheduled

        assert receiver.receive_messages(max_wait_time=0.5) == []
        message = receive_one(receiver)
        assert datetime.now(UTC) >= due
        assert (message.message_id, message.sequence_number) == ("m-1", sequence_number)
        receiver.complete_message(message)


def test_a_message_sent_with_a_scheduled_enqueue_time_waits_until_then(
    broker: RunningBroker,
) -> None:
    due = datetime.now(UTC) + timedelta(seconds=1)
    send(broker, ServiceBusMessage("later", message_id="m-1", scheduled_enqueue_time_utc=due))

    with connect(broker) as client, client.get_queue_receiver(QUEUE) as receiver:
        message = receive_one(receiver)
        assert datetime.now(UTC) >= due
        assert message.scheduled_enqueue_time_utc is not None
        receiver.complete_message(message)


def test_a_cancelled_scheduled_message_is_never_enqueued(broker: RunningBroker) -> None:
    with connect(broker) as client, sender_for(client) as sender:
        numbers = sender.schedule_messages(
            ServiceBusMessage("never"), datetime.now(UTC) + timedelta(seconds=30)
        )
        assert broker.depth(QUEUE) == 1
        sender.cancel_scheduled_messages(numbers)

    assert broker.depth(QUEUE) == 0


def test_receive_and_delete_removes_the_message_as_it_is_delivered(broker: RunningBroker) -> None:
    send(broker, ServiceBusMessage("once", message_id="m-1"))

    with (
        connect(broker) as client,
        client.get_queue_receiver(
            QUEUE, receive_mode=ServiceBusReceiveMode.RECEIVE_AND_DELETE
        ) as receiver,
    ):
        message = receive_one(receiver)
        assert (message.message_id, message.delivery_count) == ("m-1", 1)
        assert broker.depth(QUEUE) == 0


def test_a_renewed_lock_holds_and_an_expired_lock_delivers_the_message_again(
    start: StartBroker,
) -> None:
    broker = start(lock_duration=1.5)
    send(broker, ServiceBusMessage("slow consumer", message_id="m-1"))

    with connect(broker) as client, client.get_queue_receiver(QUEUE) as receiver:
        first = receive_one(receiver)
        first_lock_ends = first.locked_until_utc
        time.sleep(0.5)
        assert receiver.renew_message_lock(first) > first_lock_ends
        time.sleep(max(0.0, (first_lock_ends - datetime.now(UTC)).total_seconds()) + 0.2)
        assert broker.messages(QUEUE)[0].is_locked  # past the first lock, within the renewed one

        again = receive_one(receiver)
        assert (again.message_id, again.delivery_count) == ("m-1", 2)
        with pytest.raises(MessageLockLostError):
            receiver.complete_message(first)
        receiver.complete_message(again)

    assert broker.depth(QUEUE) == 0


def test_a_queue_outside_the_fixed_set_is_not_found(start: StartBroker) -> None:
    broker = start(queues=["emails"])

    with pytest.raises(MessagingEntityNotFoundError):
        send(broker, ServiceBusMessage("lost"), queue="no-such-queue")


def test_a_restarted_broker_keeps_its_messages_and_locks_and_refuses_senders_while_down(
    broker: RunningBroker,
) -> None:
    send(broker, ServiceBusMessage("before", message_id="m-1"))
    # One quick retry lets the SDK reconnect and settle by lock token over $management.
    with (
        ServiceBusClient.from_connection_string(
            broker.connection_string, retry_total=1, retry_backoff_factor=0.01
        ) as client,
        client.get_queue_receiver(QUEUE) as receiver,
    ):
        message = receive_one(receiver)
        broker.stop()

        with pytest.raises(ServiceBusConnectionError):
            send(broker, ServiceBusMessage("while down"))

        broker.start()
        receiver.complete_message(message)

    assert broker.depth(QUEUE) == 0
