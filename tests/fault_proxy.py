"""A TCP proxy in front of PostgreSQL that the tests switch into the faults of a real network.

    proxy = FaultProxy(("127.0.0.1", 5432))   # listens on 127.0.0.1:proxy.port, forwards
    proxy.refuse()    # the server is gone: open connections close, new ones are refused
    proxy.hang()      # accepts, and no side hears from the other again: a server that froze
    proxy.cut()       # whatever a client sends next ends its connection: cut mid-query
    proxy.forward()   # back to normal for new connections and those still open

The shared PostgreSQL server is never touched: only the connections through the proxy fail.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Literal

Mode = Literal["forward", "refuse", "hang", "cut"]
POLL_SECONDS = 0.05


class FaultProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode: Mode = "forward"
        self.accepted = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        self._listener = self._listen(0)
        self.port: int = self._listener.getsockname()[1]
        self._accepting = self._start_accepting(self._listener)

    def __repr__(self) -> str:
        return f"<FaultProxy :{self.port} -> {self.upstream[1]} {self.mode}>"

    def forward(self) -> None:
        self._switch("forward")

    def refuse(self) -> None:
        self._switch("refuse")

    def hang(self) -> None:
        self._switch("hang")

    def cut(self) -> None:
        self._switch("cut")

    def close(self) -> None:
        self._closed = True
        self._stop_listening()
        self._close_open_connections()

    def _close_open_connections(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _close(sock)

    def _switch(self, mode: Mode) -> None:
        with self._lock:
            previous, self.mode = self.mode, mode
        if mode == "refuse" and previous != "refuse":
            self._stop_listening()
            self._close_open_connections()
        elif previous == "refuse" and mode != "refuse":
            # The same port again, so the engine's URL stays valid (SO_REUSEADDR allows it).
            self._listener = self._listen(self.port)
            self._accepting = self._start_accepting(self._listener)

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        return listener

    def _start_accepting(self, listener: socket.socket) -> threading.Thread:
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        return thread

    def _stop_listening(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._accepting.join(timeout=5)

    def _accept(self, listener: socket.socket) -> None:
        while not self._closed:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        self._track(client)
        try:
            if self.mode == "hang":
                self._hold(client)
                return
            upstream = socket.create_connection(self.upstream)
            self._track(upstream)
            self._relay(client, upstream)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._untrack(sock)
                    _close(sock)

    def _hold(self, client: socket.socket) -> None:
        """Keep a hung connection open, reading nothing, until the proxy closes."""
        while not self._closed and client in self._open:
            select.select([], [], [], POLL_SECONDS)

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        while not self._closed:
            if self.mode == "hang":
                # Bytes wait in the kernel's buffers: the client's query is never answered.
                select.select([], [], [], POLL_SECONDS)
                continue
            readable, _, _ = select.select([client, upstream], [], [], POLL_SECONDS)
            for source in readable:
                if source is client and self.mode == "cut":
                    return
                data = source.recv(65536)
                if not data:
                    return
                (upstream if source is client else client).sendall(data)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
