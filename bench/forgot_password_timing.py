"""Forgot-password answer time for a registered and an unknown address (account enumeration).

Seeds a PostgreSQL database of its own (dropped afterwards), then sends POST
/api/v1/auth/forgot-password through the app in process (the local host's WSGI app, no
network), alternating a registered and an unknown address, and prints the p50 and p95 of each.
The two should match: a difference tells an enumerator which addresses have accounts.

    .venv/bin/python bench/forgot_password_timing.py [--calls 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    DEFAULT_SERVER,
    PASSWORDS,
    bench_database,
    bench_environment,
    lms,
    wsgi_app,
    wsgi_call,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    with bench_database(args.server) as url, tempfile.TemporaryDirectory() as folder:
        env = bench_environment(url, folder, RATE_LIMIT_ENABLED="false", LOG_LEVEL="WARNING")
        lms("migrate", env=env)
        lms("seed-demo", env=env)
        os.environ.update(env)
        measure(args.calls)
    return 0


def measure(calls: int) -> None:
    from shared import bootstrap
    from shared.observability.logging import configure_logging

    configure_logging("WARNING")
    bootstrap.reset()
    app = wsgi_app()

    def forgot(email: str) -> float:
        started = time.perf_counter()
        status, _ = wsgi_call(
            app, "POST", "/api/v1/auth/forgot-password", json.dumps({"email": email}).encode()
        )
        elapsed = time.perf_counter() - started
        assert status.startswith("200"), status
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
