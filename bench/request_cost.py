"""CPU per request of the app itself: no HTTP server, no load generator, one thread.

    .venv/bin/python bench/request_cost.py                    # every route below, ~20 s
    .venv/bin/python bench/request_cost.py --profile courses  # + the top of a cProfile

Same database as bench/http_load.py (its own, on TEST_POSTGRES_URL's server, seeded, dropped
at the end). Each request goes through the local host's WSGI app (routing, the pipeline,
PostgreSQL) and is timed in process CPU; the SQL statements it sends are counted. This is
what a Functions instance pays per invocation on top of the host, so it is the figure to
move when optimising the request path, and the profile says where it goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    DEFAULT_SERVER,
    PASSWORDS,
    bench_database,
    bench_environment,
    lms,
    seed_more,
    wsgi_app,
    wsgi_call,
)

ROUTES = {
    "health": ("GET", "/api/v1/health", None),
    "ready": ("GET", "/api/v1/ready", None),
    "courses-anonymous": ("GET", "/api/v1/courses", None),
    "courses": ("GET", "/api/v1/courses", "student"),
    "my-courses": ("GET", "/api/v1/enrollments/my-courses", "student"),
    "course": ("GET", "/api/v1/courses/{course_id}", "student"),
    "lessons": ("GET", "/api/v1/courses/{course_id}/lessons", "student"),
    "users": ("GET", "/api/v1/users", "admin"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only", choices=sorted(ROUTES), action="append")
    parser.add_argument("--profile", choices=sorted(ROUTES), help="cProfile this route")
    parser.add_argument("--sort", default="tottime", help="the profile's order (pstats keys)")
    parser.add_argument("--lines", type=int, default=30, help="the profile's length")
    args = parser.parse_args(argv)

    with bench_database(args.server) as url, tempfile.TemporaryDirectory() as folder:
        env = bench_environment(url, folder, LOG_LEVEL="WARNING")
        print(f"database {url.rsplit('/', 1)[1]}: migrating and seeding", flush=True)
        lms("migrate", env=env)
        lms("seed-demo", env=env)
        data = seed_more(env)
        measure(args, data)
    return 0


def measure(args: argparse.Namespace, data: dict[str, Any]) -> None:
    import json

    from sqlalchemy import event

    from shared import bootstrap
    from shared.observability.logging import configure_logging

    configure_logging("WARNING")
    deps = bootstrap.current()
    app = wsgi_app()
    statements = [0]
    event.listen(
        deps.engine,
        "before_cursor_execute",
        lambda *_: statements.__setitem__(0, statements[0] + 1),
    )

    def call(
        method: str, path: str, body: bytes = b"", token: str | None = None
    ) -> tuple[str, bytes]:
        return wsgi_call(app, method, path, body, token)

    tokens = {}
    for role, (email, password) in PASSWORDS.items():
        status, out = call(
            "POST",
            "/api/v1/auth/login",
            json.dumps({"email": email, "password": password}).encode(),
        )
        assert status.startswith("200"), out
        tokens[role] = json.loads(out)["tokens"]["access_token"]

    print(f"{'route':<20} {'CPU µs/request':>15} {'statements':>11}")
    for name in args.only or ROUTES:
        method, template, role = ROUTES[name]
        path = template.format(**data)
        token = tokens[role] if role else None
        for _ in range(50):  # warm: compiled statements, pooled connection
            status, out = call(method, path, token=token)
            assert status.startswith("200"), (name, status, out[:300])
        statements[0] = 0
        started = time.process_time()
        for _ in range(args.requests):
            call(method, path, token=token)
        cpu = (time.process_time() - started) / args.requests
        print(f"{name:<20} {cpu * 1e6:15.0f} {statements[0] / args.requests:11.1f}", flush=True)
        if args.profile == name:
            # CPU time, not wall time: waiting for PostgreSQL (recv) is not the app's cost.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.requests):
                call(method, path, token=token)
            profiler.disable()
            report = io.StringIO()
            pstats.Stats(profiler, stream=report).sort_stats(args.sort).print_stats(args.lines)
            print(report.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())
