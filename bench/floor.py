"""The floor: the least a server can do for `GET /api/v1/courses` on this machine.

A bare WSGI handler under the same server as `lms serve` (waitress, worker processes forked
with a listening socket each on one port, SO_REUSEPORT): one pooled pg8000 connection per
thread, one query for 20 published courses, JSON out. No routing, authentication, rate
limiting or validation, so `bench/http_load.py` can put our figures beside what the
hardware and the driver allow.

    .venv/bin/python bench/floor.py --database-url postgresql+pg8000://... --port 7090
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

QUERY = (
    "SELECT id, title, slug, description, category, difficulty_level, published_at "
    "FROM courses WHERE is_published ORDER BY published_at DESC, id LIMIT 20"
)


def make_app(database_url: str) -> Callable[..., Iterable[bytes]]:
    import pg8000.native
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    local = threading.local()

    def connection() -> Any:
        if not hasattr(local, "connection"):
            local.connection = pg8000.native.Connection(
                url.username or "postgres",
                host=url.host or "127.0.0.1",
                port=url.port or 5432,
                database=url.database,
                password=url.password,
                ssl_context=False,
            )
        return local.connection

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        rows = connection().run(QUERY)
        items = [
            {
                "id": str(r[0]),
                "title": r[1],
                "slug": r[2],
                "description": r[3],
                "category": r[4],
                "difficulty_level": r[5],
                "published_at": r[6].isoformat() if r[6] else None,
            }
            for r in rows
        ]
        body = json.dumps({"items": items, "total": len(items)}).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=7090)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)

    import waitress

    app = make_app(args.database_url)
    listeners = [socket.create_server(("127.0.0.1", args.port), backlog=1024, reuse_port=True)]
    port = listeners[0].getsockname()[1]
    for _ in range(args.processes - 1):
        listeners.append(socket.create_server(("127.0.0.1", port), backlog=1024, reuse_port=True))
    print(f"floor listening on http://127.0.0.1:{port}", flush=True)
    workers = []
    for listener in listeners:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            waitress.create_server(app, sockets=[listener], threads=args.threads).run()
            os._exit(0)
        workers.append(pid)
    for listener in listeners:
        listener.close()
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        os.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
