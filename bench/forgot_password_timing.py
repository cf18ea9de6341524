"""Forgot-password answer time for a registered and an unknown address (account enumeration).

Seeds a PostgreSQL database of its own (dropped afterwards), then sends POST
/api/v1/auth/forgot-password through the app in process (the local host's WSGI app, no
network), alternating a registered and an unknown address, and prints the p50 and p95 of each.
The two should match: a difference tells an enumerator which addresses have accounts.

    .venv/bin/python bench/forgot_password_timing.py [--calls 50]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import DEFAULT_SERVER, PASSWORDS, REPO_ROOT, bench_database, lms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    with bench_database(args.server) as url, tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "DATABASE"))}
        env.update(
            DATABASE_URL=url,
            ENVIRONMENT="development",
            PYTHONPATH=os.environ.get("PYTHONPATH", str(REPO_ROOT)),
            MAILDIR_PATH=f"{folder}/mail",
            LOCAL_STORAGE_DIR=f"{folder}/files",
            RATE_LIMIT_ENABLED="false",
            LOG_LEVEL="WARNING",
        )
        lms("migrate", env=env)
        lms("seed-demo", env=env)
        os.environ.update(env)
        measure(args.calls)
    return 0


def measure(calls: int) -> None:
    from shared import bootstrap
    from shared.local.app_functions import functions_of
    from shared.local.routing import RouteTable
    from shared.local.server import load_function_app
    from shared.local.wsgi import FunctionsWsgiApp
    from shared.observability.logging import configure_logging

    configure_logging("WARNING")
    bootstrap.reset()
    app = FunctionsWsgiApp(RouteTable(functions_of(load_function_app(REPO_ROOT)).http), {})

    def forgot(email: str) -> float:
        body = json.dumps({"email": email}).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/auth/forgot-password",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "7071",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
        }
        statuses: list[str] = []
        started = time.perf_counter()
        b"".join(app(environ, lambda status, headers: statuses.append(status)))
        elapsed = time.perf_counter() - started
        assert statuses[0].startswith("200"), statuses
        return elapsed * 1000

    known, unknown = PASSWORDS["student"][0], "nobody-here@example.com"
    for _ in range(5):  # warm-up: pools, statement caches
        forgot(known), forgot(unknown)
    times: dict[str, list[float]] = {"registered": [], "unknown": []}
    for _ in range(calls):
        times["registered"].append(forgot(known))
        times["unknown"].append(forgot(unknown))
    for name, values in times.items():
        p95 = statistics.quantiles(values, n=20)[18]
        print(f"{name:10s} p50 {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
