"""Starting, stopping and inspecting the test broker.

The broker runs in a background thread of the test process, not a subprocess: proton's
reactor is a pure-Python select loop that is happy off the main thread, and sharing the
process lets tests read queue state directly. All proton objects stay on the reactor thread;
the test thread only sets an event (to stop) and reads the queues, which lock.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from proton.reactor import Container

from . import codec
from .namespace import DEAD_LETTER_SUFFIX, Namespace
from .queues import QueuedMessage
from .server import BrokerHandler

HOST = "127.0.0.1"
DEFAULT_QUEUES = ("emails", "progress", "certificates", "webhooks")
STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0


class BrokerStartError(RuntimeError):
    """The broker could not listen (the port is taken, usually)."""


class BrokerCrashedError(RuntimeError):
    """The broker's reactor thread ended with an exception (a bug in the broker)."""


@dataclass(frozen=True)
class InspectedMessage:
    """A queued message as a test sees it."""

    sequence_number: int
    message_id: str | None
    body: Any
    delivery_count: int
    is_locked: bool
    is_scheduled: bool
    dead_letter_reason: str | None
    dead_letter_error_description: str | None


class RunningBroker:
    """A broker listening on 127.0.0.1:`port`; stop() and start() again keep its queues."""

    def __init__(self, namespace: Namespace, port: int) -> None:
        self.port = port
        self._namespace = namespace
        self._handler: BrokerHandler | None = None
        self._thread: threading.Thread | None = None
        self._crash: Exception | None = None

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<RunningBroker {HOST}:{self.port} {state}>"

    @property
    def connection_string(self) -> str:
        # UseDevelopmentEmulator=true makes the SDK speak plain AMQP (no TLS) on this port.
        return (
            f"Endpoint=sb://{HOST}:{self.port};SharedAccessKeyName=RootManageSharedAccessKey;"
            "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"
        )

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.is_running:
            return
        handler = BrokerHandler(self._namespace, HOST, self.port)
        self._crash = None
        thread = threading.Thread(
            target=self._run, args=(Container(handler),), name=f"broker-{self.port}", daemon=True
        )
        thread.start()
        if not handler.listening.wait(STARTUP_TIMEOUT_SECONDS):
            raise BrokerStartError(f"the broker did not start listening on port {self.port}")
        if handler.startup_error is not None:
            thread.join(SHUTDOWN_TIMEOUT_SECONDS)
            raise BrokerStartError(
                f"the broker could not listen on {HOST}:{self.port}: {handler.startup_error}"
            ) from handler.startup_error
        self._handler, self._thread = handler, thread

    def stop(self) -> None:
        """Drop every connection and stop listening, as a crashed broker would.

        Raises BrokerCrashedError if the broker died of an error while it ran, so a bug in
        the broker fails the test that met it rather than hiding behind client time-outs.
        """
        if self._handler is None or self._thread is None:
            return
        self._handler.stop_requested.set()
        self._thread.join(SHUTDOWN_TIMEOUT_SECONDS)
        if self._thread.is_alive():
            raise RuntimeError("the broker's reactor thread did not stop")
        self._handler = self._thread = None
        if self._crash is not None:
            raise BrokerCrashedError(f"the broker crashed: {self._crash!r}") from self._crash

    def _run(self, container: Container) -> None:
        try:
            container.run()
        except Exception as error:  # proton lets a handler's exception end the reactor
            self._crash = error
            raise

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> RunningBroker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # Inspection -------------------------------------------------------------------------

    def messages(self, queue: str) -> list[InspectedMessage]:
        """Everything in a queue, locked and scheduled messages included, in queue order."""
        now = time.time()
        return [_inspect(m, now) for m in self._namespace.queue(queue).messages()]

    def dead_letters(self, queue: str) -> list[InspectedMessage]:
        return self.messages(queue + DEAD_LETTER_SUFFIX)

    def depth(self, queue: str) -> int:
        """Messages in a queue, locked and scheduled ones included (Service Bus's count)."""
        return len(self._namespace.queue(queue).messages())


def start_broker(
    queues: Iterable[str] | None = DEFAULT_QUEUES,
    *,
    max_delivery_count: int = 10,
    lock_duration: float = 30.0,
    port: int | None = None,
) -> RunningBroker:
    """Start a broker on 127.0.0.1 and a free port; `queues=None` creates queues on first use."""
    namespace = Namespace(
        None if queues is None else list(queues),
        lock_duration=lock_duration,
        max_delivery_count=max_delivery_count,
    )
    broker = RunningBroker(namespace, port or _free_port())
    broker.start()
    return broker


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _inspect(message: QueuedMessage, now: float) -> InspectedMessage:
    return InspectedMessage(
        sequence_number=message.sequence_number,
        message_id=message.message_id,
        body=_body(message.encoded),
        delivery_count=message.delivery_count,
        is_locked=message.lock_token is not None,
        is_scheduled=message.is_scheduled(now),
        dead_letter_reason=message.dead_letter_reason,
        dead_letter_error_description=message.dead_letter_error_description,
    )


def _body(encoded: bytes) -> Any:
    """Data sections joined as bytes; an amqp-value as its value; sequences as lists."""
    bodies = [s for s in codec.split_sections(encoded) if s.code in codec.BODY_SECTIONS]
    if bodies and all(s.code == codec.DATA for s in bodies):
        return b"".join(bytes(s.value()) for s in bodies)
    values = [s.value() for s in bodies]
    return values[0] if len(values) == 1 else values
