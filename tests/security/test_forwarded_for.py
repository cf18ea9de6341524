"""X-Forwarded-For is believed only from the proxy in front (issue 14, case 14): with
TRUSTED_PROXY_HOPS=2, a client that reaches `lms serve` directly, past the proxy, used to
choose the address it was counted under, and so escaped the rate limit and the IP throttle."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from tests.e2e.host_process import HostProcess, host_environment, run_lms

LIMIT = 3


def login(port: int, forwarded_for: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/api/v1/auth/login",
        body=json.dumps({"email": "nobody@example.org", "password": "wrong-password"}),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.parametrize(
    ("forwarded_allow_ips", "limited"),
    [("10.9.9.9", True), ("127.0.0.1", False)],
    ids=["reached directly, past the proxy", "through the trusted proxy"],
)
def test_a_forged_forwarded_for_does_not_escape_the_rate_limit(
    database_url: str, tmp_path: Path, forwarded_allow_ips: str, limited: bool
) -> None:
    env = host_environment(
        database_url,
        tmp_path,
        TRUSTED_PROXY_HOPS="2",
        FORWARDED_ALLOW_IPS=forwarded_allow_ips,
        AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE=str(LIMIT),
        AUTH_RATE_LIMIT_WINDOW_SECONDS="3600",  # no window boundary inside the test
    )
    assert run_lms("migrate", env=env).returncode == 0
    host = HostProcess(env, processes=1)
    try:
        port = int(host.wait_until_listening().rsplit(":", 1)[1])
        statuses = [login(port, f"203.0.113.{n}") for n in range(1, LIMIT + 3)]
    finally:
        host.stop()

    if limited:  # every request counted under the peer, whatever it claimed
        assert statuses[LIMIT:] == [429, 429], statuses
    else:  # each claimed client counted on its own, as the proxy vouches for them
        assert 429 not in statuses, statuses
