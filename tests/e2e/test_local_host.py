"""`lms serve` over real HTTP: the project's function app on SQLite, from migrate to Ctrl-C."""

from __future__ import annotations

import http.client
import json
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.host_process import HostProcess, host_environment, run_lms

ORIGIN = "https://app.example.org"


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("local-host")
    env = host_environment(f"sqlite:///{folder}/lms.db", folder, CORS_ORIGINS=ORIGIN)
    migrated = run_lms("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    return env


@pytest.fixture(scope="module")
def host(environment: dict[str, str]) -> Iterator[HostProcess]:
    process = HostProcess(environment)
    process.wait_until_listening()
    yield process
    assert process.stop() == 0


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    host: HostProcess, method: str, path: str, headers: dict[str, str] | None = None
) -> Answer:
    address = urlsplit(host.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        return Answer(connection.getresponse())
    finally:
        connection.close()


def test_the_banner_names_the_url_routes_timers_queues_and_database(host: HostProcess) -> None:
    assert host.url.startswith("http://127.0.0.1:")
    assert "HTTP routes" in host.banner
    assert "outbox_sweep (*/10 * * * * *)" in host.banner
    assert "housekeeping_purge (0 */15 * * * *)" in host.banner
    assert "emails -> emails_consume" in host.banner
    assert "(from the local broker)" in host.banner
    assert "database        sqlite:///" in host.banner
    assert host.banner.splitlines()[-1] == "Ctrl-C to stop"


def test_the_root_answers_exactly_the_reference_message(host: HostProcess) -> None:
    answer = send(host, "GET", "/")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"message": "LMS Backend API"}


def test_health_answers_ok_with_the_api_name_and_version(host: HostProcess) -> None:
    answer = send(host, "GET", "/api/v1/health")
    assert answer.status == 200
    body = answer.json()
    assert (body["status"], body["name"]) == ("ok", "LMS Functions")
    assert body["version"]


def test_ready_reports_database_broker_and_storage_up(host: HostProcess) -> None:
    answer = send(host, "GET", "/api/v1/ready")
    assert answer.status == 200, answer.body
    body = answer.json()
    assert (body["database"], body["redis"], body["broker"], body["storage"]) == ("up",) * 4


def test_an_unknown_path_is_a_404_problem(host: HostProcess) -> None:
    answer = send(host, "GET", "/api/v1/no-such-thing")
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["instance"] == "/api/v1/no-such-thing"


def test_a_wrong_method_is_a_405_with_allow(host: HostProcess) -> None:
    answer = send(host, "POST", "/api/v1/health")
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET, HEAD"  # HEAD: served by the GET function
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_a_preflight_from_an_allowed_origin_gets_the_cors_headers(host: HostProcess) -> None:
    answer = send(
        host,
        "OPTIONS",
        "/api/v1/courses",
        {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert answer.body == b""


def test_a_preflight_from_another_origin_gets_no_cors_headers(host: HostProcess) -> None:
    answer = send(host, "OPTIONS", "/api/v1/health", {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_the_request_id_comes_back(host: HostProcess) -> None:
    answer = send(host, "GET", "/api/v1/health", {"X-Request-ID": "e2e-trace-42"})
    assert answer.headers["X-Request-ID"] == "e2e-trace-42"
    minted = send(host, "GET", "/api/v1/health").headers["X-Request-ID"]
    assert minted and minted != "e2e-trace-42"


def test_fifty_concurrent_requests_all_succeed(host: HostProcess) -> None:
    paths = ["/api/v1/health", "/api/v1/ready", "/"] * 17
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda path: send(host, "GET", path).status, paths[:50]))
    assert statuses == [200] * 50


def test_a_second_host_on_a_busy_port_exits_2_saying_so(
    host: HostProcess, environment: dict[str, str]
) -> None:
    port = urlsplit(host.url).port
    second = HostProcess(environment, port=port or 0)
    assert second.process.wait(30) == 2
    second.stop()
    assert f"port {port} is in use; pass --port" in second.stderr_path.read_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_host_cleanly_within_seconds(
    environment: dict[str, str], sig: signal.Signals
) -> None:
    process = HostProcess(environment)
    process.wait_until_listening()
    assert send(process, "GET", "/api/v1/health").status == 200
    assert process.stop(sig, timeout=5) == 0
    assert "lms serve: stopping" in process.banner
    assert "Traceback" not in process.stderr_path.read_text()


def test_migrations_must_run_first_or_ready_says_so(tmp_path: Path) -> None:
    env = host_environment(f"sqlite:///{tmp_path}/empty.db", tmp_path)
    process = HostProcess(env)
    process.wait_until_listening()
    try:
        answer = send(process, "GET", "/api/v1/ready")
        assert answer.status == 503
        assert "lms migrate" in answer.json()["detail"]
    finally:
        assert process.stop() == 0
