"""A webhook receiver on 127.0.0.1 for the tests: a threaded http.server that answers each
POST with the next of its scripted answers (a status, "slow", or a redirect) and keeps what
it received.

    with Receiver([500, 200]) as receiver:
        ...
        assert [r.status for r in receiver.requests] == [500, 200]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = int | str  # a status code, "slow" (sleeps past the timeout), or "redirect"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


class Receiver:
    def __init__(
        self,
        answers: list[Answer] | None = None,
        *,
        default: Answer = 200,
        during: Callable[[], None] | None = None,
    ) -> None:
        self.answers = list(answers or [])
        self.default = default
        self.during = during  # runs while a POST waits for its answer
        self.requests: list[Received] = []
        self.slow_seconds = 3.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                status = 200 if answer == "slow" else 302 if answer == "redirect" else int(answer)
                receiver.requests.append(
                    Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                    )
                )
                if answer == "slow":
                    time.sleep(receiver.slow_seconds)
                if receiver.during is not None:
                    receiver.during()
                try:
                    self.send_response(status)
                    if answer == "redirect":
                        self.send_header("Location", f"http://127.0.0.1:{receiver.port}/moved")
                    payload = b"x" * 3000 if status == 500 else b'{"ok": true}'
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/lms?source=tests"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
