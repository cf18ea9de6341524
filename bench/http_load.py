"""Load against `lms serve` on PostgreSQL, beside the bare floor (bench/floor.py), in one run.

    .venv/bin/python bench/http_load.py                 # every scenario, ~2 minutes
    .venv/bin/python bench/http_load.py --only courses  # one of: courses, read, realistic

It creates a database of its own on TEST_POSTGRES_URL's server (dropped at the end), migrates
it, seeds the demo data (`lms seed-demo`) plus 17 more published courses and 100 enrolled
students, starts `lms serve --processes P --threads T` and the floor, and measures:

- courses:   authenticated GET /api/v1/courses, closed loop on C keep-alive connections,
             ours and the floor's req/s in the same run;
- read:      the read mix (GET /courses and /enrollments/my-courses) on C connections;
- idle:      the CPU `lms serve` (every process) uses over the same time without requests;
- realistic: the reference's k6 journeys at their arrival rates, each arrival a new
             connection (open loop, so a slow server is not spared the load): students 5/s
             (login, dashboard, my courses, courses, a course, its lessons), instructors
             2/s (login, overview, course stats, courses), admins 1/s (login, users, system
             overview), and health and readiness probes 1/s each.

Rate limiting and lockout stay on; the per-IP budgets are raised, since all this traffic
comes from one address. Figures: req/s, p50/p95/p99 in ms and errors per endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import (  # bench/harness.py and bench/load_client.py, beside this
    DEFAULT_SERVER,
    PASSWORDS,
    REPO_ROOT,
    bench_database,
    bench_environment,
    lms,
    seed_more,
    wait_for_idle_queues,
)
from load_client import HEADER, Connection, Figures, closed_loop


# --- scenarios
async def login(figures: Figures, connection: Connection, role: str, email: str) -> dict[str, str]:
    password = PASSWORDS[role][1]
    status, body = await figures.timed(
        "POST /auth/login",
        connection,
        "POST",
        "/api/v1/auth/login",
        body={"email": email, "password": password},
    )
    if status != 200:
        return {}
    return {"Authorization": f"Bearer {json.loads(body)['tokens']['access_token']}"}


async def open_loop(port: int, seconds: float, data: dict[str, Any]) -> Figures:
    """The k6 journeys at their arrival rates, each on a new connection."""
    figures = Figures()
    course = data["course_id"]
    students = data["students"]

    async def student(n: int) -> None:
        c = Connection(port)
        auth = await login(figures, c, "student", students[n % len(students)])
        if auth:
            await figures.timed(
                "GET /analytics/my-dashboard",
                c,
                "GET",
                "/api/v1/analytics/my-dashboard",
                headers=auth,
            )
            await figures.timed(
                "GET /enrollments/my-courses",
                c,
                "GET",
                "/api/v1/enrollments/my-courses",
                headers=auth,
            )
            await figures.timed("GET /courses", c, "GET", "/api/v1/courses", headers=auth)
            await figures.timed(
                "GET /courses/{id}", c, "GET", f"/api/v1/courses/{course}", headers=auth
            )
            await figures.timed(
                "GET /courses/{id}/lessons",
                c,
                "GET",
                f"/api/v1/courses/{course}/lessons",
                headers=auth,
            )
        await c.close()

    async def instructor(n: int) -> None:
        c = Connection(port)
        auth = await login(figures, c, "instructor", PASSWORDS["instructor"][0])
        if auth:
            await figures.timed(
                "GET /analytics/instructors/{id}/overview",
                c,
                "GET",
                f"/api/v1/analytics/instructors/{data['instructor_id']}/overview",
                headers=auth,
            )
            await figures.timed(
                "GET /enrollments/courses/{id}/stats",
                c,
                "GET",
                f"/api/v1/enrollments/courses/{course}/stats",
                headers=auth,
            )
            await figures.timed("GET /courses", c, "GET", "/api/v1/courses", headers=auth)
        await c.close()

    async def admin(n: int) -> None:
        c = Connection(port)
        auth = await login(figures, c, "admin", PASSWORDS["admin"][0])
        if auth:
            await figures.timed("GET /users", c, "GET", "/api/v1/users", headers=auth)
            await figures.timed(
                "GET /analytics/system/overview",
                c,
                "GET",
                "/api/v1/analytics/system/overview",
                headers=auth,
            )
        await c.close()

    async def probe(path: str) -> Callable[[int], Awaitable[None]]:
        async def run(n: int) -> None:
            c = Connection(port)
            await figures.timed(f"GET {path}", c, "GET", f"/api/v1{path}")
            await c.close()

        return run

    journeys = [
        (student, 5.0),
        (instructor, 2.0),
        (admin, 1.0),
        (await probe("/health"), 1.0),
        (await probe("/ready"), 1.0),
    ]
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()

    async def arrivals(journey: Callable[[int], Awaitable[None]], rate: float) -> None:
        for n in range(int(seconds * rate)):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(journey(n)))

    await asyncio.gather(*(arrivals(j, r) for j, r in journeys))
    await asyncio.gather(*tasks)
    return figures


# --- set-up: database, data, servers
class Server:
    def __init__(self, command: list[str], env: dict[str, str], name: str) -> None:
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (open while it runs)
        self.process = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if found := re.search(r"listening on http://[^:]+:(\d+)", line):
                self.port = int(found.group(1))
                break
        else:
            self.log.seek(0)
            raise SystemExit(f"{name} did not start:\n{self.log.read()}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far (Linux /proc)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="the course list's floor and ours alternate in this many rounds (seconds each in all)",
    )
    parser.add_argument("--only", choices=["courses", "read", "realistic", "idle"])
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record lms serve (every worker) with py-spy during the courses scenario "
        "and write a speedscope profile to FILE",
    )
    args = parser.parse_args(argv)

    with bench_database(args.server) as url, tempfile.TemporaryDirectory() as folder:
        env = bench_environment(url, folder)
        print(f"database {url.rsplit('/', 1)[1]}: migrating and seeding", flush=True)
        lms("migrate", env=env)
        lms("seed-demo", env=env)
        data = seed_more(env)
        ours = Server(
            [
                sys.executable,
                "-m",
                "shared.cli",
                "serve",
                "--port",
                "0",
                "--processes",
                str(args.processes),
                "--threads",
                str(args.threads),
            ],
            env,
            "lms serve",
        )
        floor = Server(
            [
                sys.executable,
                str(REPO_ROOT / "bench" / "floor.py"),
                "--port",
                "0",
                "--database-url",
                url,
                "--processes",
                str(args.processes),
                "--threads",
                str(args.threads),
            ],
            env,
            "floor",
        )
        try:
            wait_for_idle_queues(url)
            report(args, ours, floor, data)
        finally:
            ours.stop()
            floor.stop()
    return 0


@contextmanager
def profiled(server: Server, output: str | None, seconds: float) -> Iterator[None]:
    """py-spy on the server and its worker processes while the block runs."""
    if output is None:
        yield
        return
    recorder = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--gil",  # the thread holding the GIL: where the CPU goes, not who waits
            "--duration",
            str(int(seconds)),
            "--format",
            "speedscope",
            "--output",
            output,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        recorder.wait(seconds + 30)
        print(f"profile of lms serve written to {output}", flush=True)


def report(args: argparse.Namespace, server: Server, floor: Server, data: dict[str, Any]) -> None:
    ours = server.port

    async def token() -> dict[str, str]:
        c = Connection(ours)
        auth = await login(Figures(), c, "student", PASSWORDS["student"][0])
        await c.close()
        return auth

    auth = asyncio.run(token())
    print(
        f"lms serve --processes {args.processes} --threads {args.threads}; "
        f"{args.connections} connections; {args.seconds:.0f} s a scenario\n",
        flush=True,
    )
    print(HEADER)
    if args.only in (None, "courses"):
        # The floor and ours take turns in short rounds, so both see the same machine: its
        # speed drifts within minutes (CPU steal), and one long run each compared a fast
        # minute with a slow one (the floor alone varied by a third between runs).
        labels = {
            floor: "floor: GET /api/v1/courses",
            server: "ours: GET /api/v1/courses (authenticated)",
        }
        merged = {target: Figures() for target in labels}
        cpu_seconds = dict.fromkeys(labels, 0.0)
        round_seconds = args.seconds / args.rounds
        with profiled(server, args.profile, args.seconds * 2):
            for _ in range(args.rounds):
                for target, label in labels.items():
                    before = target.cpu_seconds()
                    figures = asyncio.run(
                        closed_loop(
                            target.port,
                            args.connections,
                            round_seconds,
                            [(label, "/api/v1/courses", auth)],
                        )
                    )
                    cpu_seconds[target] += target.cpu_seconds() - before
                    merged[target].merge(figures)
        served = {}
        for target, figures in merged.items():
            served[target] = sum(len(t) for t in figures.times.values())
            print("\n".join(figures.rows(args.seconds)), flush=True)
        cpu = {t: cpu_seconds[t] * 1000 / max(served[t], 1) for t in labels}
        print(
            f"server CPU per request: floor {cpu[floor]:.2f} ms, ours {cpu[server]:.2f} ms; "
            f"ours at {100 * served[server] / max(served[floor], 1):.1f}% of the floor's req/s "
            f"({args.rounds} alternating rounds)",
            flush=True,
        )
    if args.only in (None, "read"):
        figures = asyncio.run(
            closed_loop(
                ours,
                args.connections,
                args.seconds,
                [
                    ("read mix: GET /courses", "/api/v1/courses", auth),
                    (
                        "read mix: GET /enrollments/my-courses",
                        "/api/v1/enrollments/my-courses",
                        auth,
                    ),
                ],
            )
        )
        print("\n".join(figures.rows(args.seconds)), flush=True)
        total = sum(len(t) for t in figures.times.values()) / args.seconds
        print(f"{'read mix: total':<44} {total:8.1f}", flush=True)
    if args.only in (None, "idle"):
        # Queue consumers and timers keep running; without traffic they should sleep.
        time.sleep(2)  # let the last requests' work settle
        before = server.cpu_seconds()
        time.sleep(args.seconds)
        idle = (server.cpu_seconds() - before) / args.seconds * 100
        print(
            f"\nidle: lms serve used {idle:.2f}% of one core over {args.seconds:.0f} s", flush=True
        )
    if args.only in (None, "realistic"):
        print(
            f"\nrealistic mix, {args.seconds:.0f} s at students 5/s, instructors 2/s, "
            "admins 1/s, probes 2/s:"
        )
        started = time.perf_counter()
        figures = asyncio.run(open_loop(ours, args.seconds, data))
        print("\n".join(figures.rows(time.perf_counter() - started)))
        for label, sample in figures.samples.items():
            print(f"  first error of {label}: {sample}")


if __name__ == "__main__":
    raise SystemExit(main())
