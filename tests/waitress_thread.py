"""A WSGI app served by waitress (as `lms serve` serves it) on a free port, in a thread."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from shared.local.http_server import create_server


@contextlib.contextmanager
def serving(wsgi: Any, threads: int = 2) -> Iterator[int]:
    """Serve `wsgi` until the block ends; yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    server = create_server(wsgi, listener, threads=threads)

    def run() -> None:
        # close() below, from another thread, can pull the sockets from under select().
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(5)
