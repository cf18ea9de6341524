"""The proton event handler: connections, links, transfers, and the periodic tick.

A plain `proton.Handler` rather than `MessagingHandler`: the latter decodes every transfer into
a `proton.Message` (which cannot hold the SDK's batch envelope) and settles on its own terms,
while a broker needs the raw bytes and must choose each outcome itself.

Everything here runs on the reactor thread. The only things other threads touch are the
`listening` and `stop_requested` events and the queues (which lock).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from proton import (
    Condition,
    Delivery,
    Endpoint,
    Event,
    Handler,
    Link,
    Message,
    Receiver,
    Sender,
    Terminus,
)

from . import cbs, codec, management
from .consumers import Consumers
from .namespace import EntityNotFoundError, Namespace, entity_path, is_management_node

# How often locks are expired and scheduled messages released; also bounds stop() latency.
TICK_SECONDS = 0.05
# Credit the broker keeps open on every incoming link.
INCOMING_CREDIT = 100
# Service Bus Standard's limit; the SDK sizes its batches from this.
MAX_MESSAGE_SIZE = 256 * 1024
SASL_MECHANISMS = "ANONYMOUS PLAIN"


class BrokerHandler(Handler):
    """Serves one Namespace on host:port until `stop_requested` is set."""

    def __init__(self, namespace: Namespace, host: str, port: int) -> None:
        super().__init__()
        self.namespace = namespace
        self.listening = threading.Event()
        self.stop_requested = threading.Event()
        self.startup_error: Exception | None = None
        self._url = f"{host}:{port}"
        self._consumers = Consumers()
        self._acceptor = None
        self._transports: set = set()

    # Reactor lifecycle ------------------------------------------------------------------

    def on_reactor_init(self, event: Event) -> None:
        try:
            self._acceptor = event.container.listen(self._url)
        except Exception as error:  # the port is taken, usually; tell start_broker
            self.startup_error = error
            self.listening.set()
            return
        event.container.schedule(TICK_SECONDS, self)
        self.listening.set()

    def on_timer_task(self, event: Event) -> None:
        if self.stop_requested.is_set():
            self._shut_down()
            return
        now = time.time()
        for queue in self.namespace.queues():
            queue.expire_locks(now)
        self._consumers.pump_all()
        event.container.schedule(TICK_SECONDS, self)

    def _shut_down(self) -> None:
        # Close the sockets without an AMQP close, as a crashed broker would; with the
        # listener gone and no timer rescheduled, the reactor then runs out of work and stops.
        if self._acceptor is not None:
            self._acceptor.close()
        for transport in list(self._transports):
            transport.close_head()
            transport.close_tail()
        self._transports.clear()

    # Connections and sessions -----------------------------------------------------------

    def on_connection_bound(self, event: Event) -> None:
        # The SDK always negotiates SASL (ANONYMOUS, then the token goes over $cbs).
        sasl = event.transport.sasl()
        sasl.allowed_mechs(SASL_MECHANISMS)
        self._transports.add(event.transport)

    def on_transport_closed(self, event: Event) -> None:
        self._transports.discard(event.transport)
        connection = event.connection
        self._consumers.remove_where(lambda link: link.connection == connection)

    def on_connection_remote_open(self, event: Event) -> None:
        if event.connection.state & Endpoint.LOCAL_UNINIT:
            event.connection.open()

    def on_connection_remote_close(self, event: Event) -> None:
        connection = event.connection
        self._consumers.remove_where(lambda link: link.connection == connection)
        if not connection.state & Endpoint.LOCAL_CLOSED:
            connection.close()

    def on_session_remote_open(self, event: Event) -> None:
        if event.session.state & Endpoint.LOCAL_UNINIT:
            event.session.open()

    def on_session_remote_close(self, event: Event) -> None:
        if not event.session.state & Endpoint.LOCAL_CLOSED:
            event.session.close()

    # Links ------------------------------------------------------------------------------

    def on_link_remote_open(self, event: Event) -> None:
        link = event.link
        if not link.state & Endpoint.LOCAL_UNINIT:
            return
        address = link.remote_target.address if link.is_receiver else link.remote_source.address
        queue = None
        if address == cbs.CBS_NODE or is_management_node(address):
            link.pending_replies = deque()
        else:
            try:
                queue = self.namespace.queue(address)
            except EntityNotFoundError as error:
                _refuse(link, Condition("amqp:not-found", str(error)))
                return
        link.source.copy(link.remote_source)
        link.target.copy(link.remote_target)
        link.snd_settle_mode = link.remote_snd_settle_mode
        link.rcv_settle_mode = link.remote_rcv_settle_mode
        if link.is_receiver:
            link.max_message_size = MAX_MESSAGE_SIZE
        link.open()
        if link.is_receiver:
            link.flow(INCOMING_CREDIT)
        elif queue is not None:
            self._consumers.add(link, queue)

    def on_link_remote_close(self, event: Event) -> None:
        link = event.link
        self._consumers.remove_where(lambda candidate: candidate == link)
        if not link.state & Endpoint.LOCAL_CLOSED:
            link.close()

    def on_link_flow(self, event: Event) -> None:
        link = event.link
        if not link.is_sender:
            return
        if hasattr(link, "broker_queue"):
            self._consumers.on_flow(link)
        elif hasattr(link, "pending_replies"):
            _flush_replies(link)

    # Deliveries -------------------------------------------------------------------------

    def on_delivery(self, event: Event) -> None:
        delivery = event.delivery
        if delivery.link.is_sender:
            self._consumers.on_disposition(delivery)
        elif not delivery.partial:
            self._on_transfer(delivery.link, delivery)

    def _on_transfer(self, link: Receiver, delivery: Delivery) -> None:
        if delivery.aborted:
            delivery.settle()
            return
        encoded = bytes(link.recv(delivery.pending))
        link.advance()
        address = link.remote_target.address
        if address == cbs.CBS_NODE:
            _reply(link, cbs.answer(codec.decode_message(encoded)))
            delivery.update(Delivery.ACCEPTED)
        elif is_management_node(address):
            request = codec.decode_message(encoded)
            _reply(link, management.answer(self.namespace, address, request, time.time()))
            delivery.update(Delivery.ACCEPTED)
            self._consumers.pump_all()
        else:
            self._enqueue(address, delivery, encoded)
        delivery.settle()
        if link.credit < INCOMING_CREDIT // 2:
            link.flow(INCOMING_CREDIT - link.credit)

    def _enqueue(self, address: str | None, delivery: Delivery, encoded: bytes) -> None:
        try:
            messages = self.namespace.send(address, encoded, time.time())
        except EntityNotFoundError as error:
            delivery.local.condition = Condition("amqp:not-found", str(error))
            delivery.update(Delivery.REJECTED)
            return
        except ValueError as error:  # codec.SectionsError: not an AMQP message
            delivery.local.condition = Condition("amqp:decode-error", str(error))
            delivery.update(Delivery.REJECTED)
            return
        delivery.update(Delivery.ACCEPTED)
        if messages:
            self._consumers.pump(self.namespace.queue(address))


def _refuse(link: Link, condition: Condition) -> None:
    """Refuse a link as AMQP says: attach with no terminus of ours, then detach with the error.

    The SDK fails the link at once on the empty terminus, before it sends anything on it.
    """
    if link.is_receiver:
        link.source.copy(link.remote_source)
        link.target.type = Terminus.UNSPECIFIED  # encoded as a null target
    else:
        link.target.copy(link.remote_target)
        link.source.type = Terminus.UNSPECIFIED
    link.open()
    link.condition = condition
    link.close()


def _reply(request_link: Link, response: Message) -> None:
    """Send a response on the link the requester listens on: same connection, same node."""
    node = entity_path(request_link.remote_target.address)
    connection = request_link.connection
    link = connection.link_head(Endpoint.LOCAL_ACTIVE)
    while link is not None:
        if (
            link.is_sender
            and hasattr(link, "pending_replies")
            and entity_path(link.remote_source.address) == node
        ):
            link.pending_replies.append(response)
            _flush_replies(link)
            return
        link = link.next(Endpoint.LOCAL_ACTIVE)
    # No response link: the requester did not want an answer (or has gone away).


def _flush_replies(link: Sender) -> None:
    while link.pending_replies and link.credit > 0:
        delivery = link.send(link.pending_replies.popleft())
        # Responses are fire-and-forget; the requester matches them by correlation id.
        delivery.settle()
