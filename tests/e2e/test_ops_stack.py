"""`lms ops-stack` against `lms serve`: Prometheus scrapes /metrics with METRICS_TOKEN, no rule
or panel queries a series the app lacks, and a dead letter fires LMSDeadLetters, whose
notification reaches a webhook on 127.0.0.1; purging the dead letter resolves it.

Real Prometheus and Alertmanager (Debian's packages): the test fails, never skips, when they
are missing (.ci/run installs them).
"""

from __future__ import annotations

import json
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.domain.users import Role
from shared.messaging.broker import OutgoingMessage
from tests.accounts import make_user
from tests.e2e.host_process import REPO_ROOT, HostProcess, host_environment
from tests.learning import make_course, make_enrollment
from tests.scrape import METRICS_TOKEN

OPS_STACK = REPO_ROOT / "infra" / "observability" / "ops_stack.py"


class Webhook:
    """An HTTP receiver on a free port of 127.0.0.1 that keeps every alert notified to it."""

    def __init__(self) -> None:
        self.alerts: queue.Queue[dict[str, Any]] = queue.Queue()
        received = self.alerts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for alert in body["alerts"]:
                    received.put(alert)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, name: str, status: str, seconds: float) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                alert = self.alerts.get(timeout=left)
            except queue.Empty:
                break
            if alert["labels"]["alertname"] == name and alert["status"] == status:
                return alert
        raise AssertionError(f"no {status} {name} notification within {seconds:.0f} s")


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    receiver = Webhook()
    yield receiver
    receiver.server.shutdown()


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait_until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} within {seconds:.0f} s"
        time.sleep(0.25)


def test_the_tools_are_installed() -> None:
    missing = [
        b
        for b in ("prometheus", "promtool", "prometheus-alertmanager", "amtool")
        if not shutil.which(b)
    ]
    assert not missing, (
        f"install them: apt-get install prometheus prometheus-alertmanager ({missing})"
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_dead_letter_fires_an_alert_that_reaches_the_webhook_and_resolves(
    database_url: str, tmp_path: Path, webhook: Webhook
) -> None:
    env = host_environment(
        database_url, tmp_path, METRICS_TOKEN=METRICS_TOKEN, OUTBOX_SWEEP_SCHEDULE="*/1 * * * * *"
    )
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1, title="Watched")
    make_enrollment(make_user()[0], course)  # an enrollment: the ratios exist
    host = HostProcess(env, processes=2)
    url = host.wait_until_listening()
    ops = None
    try:
        # Before the checks: a request is timed and the outbox sweep has run.
        _wait_until(
            lambda: "outbox_sweep" in _get(f"{url}/api/v1/ready").get("timers", {}),
            15,
            "the outbox sweep ran",
        )
        ops = subprocess.Popen(
            [
                sys.executable,
                str(OPS_STACK),
                "--fast",
                "--target",
                url,
                "--webhook",
                webhook.url,
                "--workdir",
                str(tmp_path / "ops"),
                "--seconds",
                "120",
            ],
            env={**env, "METRICS_TOKEN": METRICS_TOKEN},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert ops.stdout is not None
        started = json.loads(ops.stdout.readline() or "{}")
        assert started, ops.stderr.read() if ops.stderr else ""
        assert started["problems"] == []
        prometheus = started["prometheus"]
        _wait_until(
            lambda: any(
                t["health"] == "up" and t["labels"]["job"] == "lms_api"
                for t in _get(f"{prometheus}/api/v1/targets")["data"]["activeTargets"]
            ),
            15,
            "Prometheus scraped lms serve",
        )

        broker = bootstrap.current().broker  # this process, on the same database
        broker.send([OutgoingMessage("webhooks", "poison-e2e", b"not an envelope", "nonsense")])
        firing = webhook.wait_for("LMSDeadLetters", "firing", 30)
        assert firing["labels"]["queue"] == "webhooks"
        assert firing["labels"]["severity"] == "warning"
        assert "lms dlq list webhooks" in firing["annotations"]["description"]

        assert broker.purge_dead_letters("webhooks") == 1
        resolved = webhook.wait_for("LMSDeadLetters", "resolved", 30)
        assert resolved["labels"]["queue"] == "webhooks"
    finally:
        if ops is not None:
            ops.send_signal(signal.SIGTERM)
            assert ops.wait(20) == 0
        assert host.stop() == 0
    # Its logs: one JSON line per request, with what identifies it.
    text = host.stderr_path.read_text().splitlines()
    lines = [json.loads(line) for line in text if line.startswith("{")]
    ready = [e for e in lines if e["logger"] == "lms.http.access" and e["route"] == "/api/v1/ready"]
    assert ready, lines[-5:]
    assert {"time", "level", "message", "request_id", "method", "status", "duration_ms"} <= set(
        ready[0]
    )
    assert ready[0]["status"] == 200
