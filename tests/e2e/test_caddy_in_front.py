"""infra/caddy/Caddyfile, run by the real Caddy in front of the real `lms serve`.

`caddy validate` accepts it for a domain (automatic TLS); then, served over plain HTTP on a
local port: each client is counted under its own address (the hop count of the Caddyfile and
TRUSTED_PROXY_HOPS agree) whatever X-Forwarded-For it sends, no security header is sent
twice, answers are compressed, /metrics is not served and oversized bodies are refused.
Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3) to be told apart.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from shared.config import Settings
from tests.e2e.host_process import HostProcess, host_environment, run_lms
from tests.integration.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
CADDYFILE = REPO / "infra" / "caddy" / "Caddyfile"
LIMIT = 4
LIMITED_PATH = "/api/v1/auth/me"  # rate-limited; without a token it answers 401 and counts


def caddy() -> str:
    found = shutil.which("caddy")
    if not found:
        pytest.fail("caddy is missing: apt-get install caddy (.ci/run installs it)", pytrace=False)
    return found


def caddy_env(**values: str) -> dict[str, str]:
    return {**os.environ, "ACME_EMAIL": "ops@school.example", "CADDY_ADMIN": "off", **values}


def test_caddy_validates_the_caddyfile_for_a_domain_with_automatic_tls() -> None:
    env = caddy_env(LMS_DOMAIN="lms.school.example")
    run = subprocess.run(
        [caddy(), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Valid configuration" in run.stdout + run.stderr
    assert "enabling automatic HTTP->HTTPS redirects" in run.stderr
    formatted = subprocess.run(
        [caddy(), "fmt", str(CADDYFILE)], capture_output=True, text=True, timeout=30, check=True
    )
    assert formatted.stdout == CADDYFILE.read_text(), "run `caddy fmt --overwrite` on it"


@pytest.fixture(scope="module")
def behind_caddy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Caddy and `lms serve` for the module; each test sends from addresses of its own."""
    tmp_path = tmp_path_factory.mktemp("caddy")
    env = host_environment(
        f"sqlite:///{tmp_path}/lms.db",
        tmp_path,
        TRUSTED_PROXY_HOPS="2",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        RATE_LIMIT_REQUESTS_PER_MINUTE=str(LIMIT),
        RATE_LIMIT_WINDOW_SECONDS="3600",
    )
    migrated = run_lms("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    host = HostProcess(env)
    host.wait_until_listening()
    upstream = urlsplit(host.url).netloc
    port = free_port()
    proxy = subprocess.Popen(
        [caddy(), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=caddy_env(LMS_DOMAIN=f"http://127.0.0.1:{port}", LMS_UPSTREAM=upstream),
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "caddy.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                assert proxy.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "caddy.log"
                ).read_text()
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proxy.terminate()
        proxy.wait(10)
        host.stop()


def send(
    address: str,
    path: str,
    *,
    source: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[int, list[tuple[str, str]], bytes]:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheaders(), data


def test_each_client_is_counted_under_its_own_address_whatever_it_forwards(
    behind_caddy: str,
) -> None:
    statuses = [
        send(
            behind_caddy,
            LIMITED_PATH,
            source="127.0.0.2",
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )[0]
        for i in range(LIMIT + 1)
    ]
    assert statuses == [401] * LIMIT + [429]  # a forged X-Forwarded-For bought nothing
    assert send(behind_caddy, LIMITED_PATH, source="127.0.0.3")[0] == 401  # another client


def test_security_headers_are_sent_once_and_answers_are_compressed(behind_caddy: str) -> None:
    status, headers, _ = send(
        behind_caddy, "/openapi.json", source="127.0.0.4", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    names = [name.lower() for name, _ in headers]
    for header in ("x-content-type-options", "x-frame-options", "referrer-policy"):
        assert names.count(header) == 1, header
    assert dict((n.lower(), v) for n, v in headers)["content-encoding"] == "gzip"
    assert "server" not in names


def test_metrics_are_not_served_to_anyone(behind_caddy: str) -> None:
    status, headers, _ = send(behind_caddy, "/metrics", source="127.0.0.5")
    assert status == 404
    assert dict((n.lower(), v) for n, v in headers)["x-content-type-options"] == "nosniff"


def test_bodies_are_capped_per_route_above_the_apps_own_limits() -> None:
    adapted = subprocess.run(
        [caddy(), "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=caddy_env(LMS_DOMAIN="lms.school.example"),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    limits = {
        json.dumps(route.get("match")): handler["max_size"]
        for route in json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]["routes"][0][
            "handle"
        ][0]["routes"]
        for handler in route["handle"]
        if handler.get("handler") == "request_body"
    }
    assert sorted(limits.values()) == [101 * 1024**2, 2 * 1024**3]
    assert Settings().MAX_UPLOAD_BYTES < 101 * 1024**2
    assert Settings().MAX_DIRECT_UPLOAD_BYTES <= 2 * 1024**3
