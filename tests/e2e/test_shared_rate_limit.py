"""Two `lms serve` processes on one PostgreSQL database enforce one rate limit between them.

Each process is a separate instance with no memory in common, as two Function instances are;
the budget lives in the database. Requests alternate between the hosts, and the one after the
limit is refused by whichever host it reaches.
"""

from __future__ import annotations

import http.client
import time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, delete, pool

from shared.domain.throttling import RateLimitCounter
from tests.e2e.host_process import HostProcess, host_environment, run_lms

LIMIT = 20
WINDOW_SECONDS = 60
# Any rate-limited route of the app will do: without a token this one answers 401 and counts.
LIMITED_PATH = "/api/v1/auth/me"
# The burst takes well under a second; start it only with this much of the window left.
MARGIN_SECONDS = 15


def send(host: HostProcess, path: str) -> http.client.HTTPResponse:
    address = urlsplit(host.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def forget_counters(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(delete(RateLimitCounter))
    finally:
        engine.dispose()


def wait_for_room_in_the_window() -> None:
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < MARGIN_SECONDS:
        time.sleep(left + 0.2)


def test_two_hosts_on_one_database_share_one_budget(postgres_database: str, tmp_path: Path) -> None:
    env = host_environment(
        postgres_database,
        tmp_path,
        RATE_LIMIT_REQUESTS_PER_MINUTE=str(LIMIT),
        RATE_LIMIT_WINDOW_SECONDS=str(WINDOW_SECONDS),
    )
    migrated = run_lms("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    forget_counters(postgres_database)
    hosts = [HostProcess(env), HostProcess(env)]
    try:
        for host in hosts:
            host.wait_until_listening()
        wait_for_room_in_the_window()
        answers = [(i % 2, send(hosts[i % 2], LIMITED_PATH)) for i in range(LIMIT + 2)]
    finally:
        exit_codes = [host.stop() for host in hosts]
    assert exit_codes == [0, 0]

    within, beyond = answers[:LIMIT], answers[LIMIT:]
    assert [a.status for _, a in within] == [401] * LIMIT, [a.status for _, a in within]
    # One count across both hosts: each answer saw every request before it, whichever host.
    remaining = [int(a.headers["X-RateLimit-Remaining"]) for _, a in within]
    assert remaining == list(range(LIMIT - 1, -1, -1))
    assert {a.headers["X-RateLimit-Limit"] for _, a in answers} == {str(LIMIT)}
    assert len({a.headers["X-RateLimit-Reset"] for _, a in answers}) == 1
    # The 21st and 22nd requests, one on each host, are both refused.
    assert sorted(host for host, _ in beyond) == [0, 1]
    for _, refused in beyond:
        assert refused.status == 429
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_SECONDS
        assert refused.headers["X-RateLimit-Remaining"] == "0"
