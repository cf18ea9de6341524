"""One webhook POST: to the address the SSRF guard checked, within a deadline, no redirects.

http.client (the standard library) is used directly: it never follows a redirect, and its
connection can be pointed at the checked IP while the Host header and TLS (SNI and the
certificate check) keep the URL's name. A deadline timer shuts the socket down, so a receiver
that answers a byte at a time cannot hold the attempt past the timeout either.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from shared.security.webhook_urls import Target

EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body`; the status, the time it took, and the first KB of the answer, or why not."""
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    deadline = threading.Timer(timeout, cut)
    deadline.daemon = True
    started = time.monotonic()
    deadline.start()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "lms-functions-webhooks/1",
            },
        )
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
        status: int | None = response.status
        error = None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except (OSError, http.client.HTTPException) as exc:
        status, excerpt = None, None
        error = (
            f"no answer within {timeout:g} s"
            if expired.is_set() or isinstance(exc, TimeoutError)
            else f"{type(exc).__name__}: {exc}"
        )
    finally:
        deadline.cancel()
        connection.close()
    latency = int((time.monotonic() - started) * 1000)
    return PostResult(status, latency, error[:500] if error else None, excerpt or None)
