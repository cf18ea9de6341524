"""A small AMQP 1.0 broker that the unmodified azure-servicebus SDK can use, for tests.

There is no Service Bus emulator offline, and RabbitMQ's AMQP 1.0 plugin refuses the SDK's
`$cbs` link, so the tests bring their own broker, built on python-qpid-proton, with Service
Bus's queue semantics in memory:

    broker = start_broker(queues=["emails"], max_delivery_count=10, lock_duration=30.0)
    ServiceBusClient.from_connection_string(broker.connection_string)
    broker.depth("emails"); broker.dead_letters("emails"); broker.stop(); broker.start()

What the SDK can do against it: send (single, list, ServiceBusMessageBatch), schedule and
cancel scheduled messages, receive in peek-lock (complete, abandon, dead-letter, renew lock,
lock expiry, MaxDeliveryCountExceeded) and receive-and-delete, read and peek the dead-letter
sub-queue, and settle through `$management` when the receive link is gone. Not implemented:
sessions, topics and subscriptions, defer and receive-by-sequence-number, time-to-live,
duplicate detection, transactions; SAS tokens are accepted without checking the signature.

Modules: `codec` (message sections, batches), `queues` (one queue's semantics), `namespace`
(queues by address), `rendering` (what receivers see), `consumers` (receive links and
settlement), `cbs` and `management` (request/response nodes), `server` (the proton handler),
`running` (the thread, start/stop, inspection).
"""

from .running import (
    BrokerCrashedError,
    BrokerStartError,
    InspectedMessage,
    RunningBroker,
    start_broker,
)

__all__ = [
    "BrokerCrashedError",
    "BrokerStartError",
    "InspectedMessage",
    "RunningBroker",
    "start_broker",
]
