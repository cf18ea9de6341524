"""`lms serve --processes 2`: worker processes on one port, each message handled once, and
every process stopped by one Ctrl-C."""

from __future__ import annotations

import http.client
import json
import mailbox
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.host_process import HostProcess, host_environment, run_lms

pytestmark = pytest.mark.postgres

USERS = 12


def children_of(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def register(port: int, n: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = {"email": f"user{n}@example.org", "full_name": f"User {n}", "password": "pw-" * 4}
    connection.request(
        "POST",
        "/api/v1/auth/register",
        body=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    status = connection.getresponse().status
    connection.close()
    return status


def welcome_mails(maildir: Path) -> list[str]:
    if not maildir.exists():
        return []
    return sorted(str(m["To"]) for m in mailbox.Maildir(maildir, create=False))


def start(database_url: str, tmp_path: Path) -> tuple[HostProcess, Path]:
    maildir = tmp_path / "mail"
    env = host_environment(
        database_url, tmp_path, MAILDIR_PATH=str(maildir), RATE_LIMIT_ENABLED="false"
    )
    assert run_lms("migrate", env=env).returncode == 0
    host = HostProcess(env, processes=2)
    host.wait_until_listening()
    return host, maildir


def test_two_worker_processes_serve_one_port_and_mail_each_user_once(
    database_url: str, tmp_path: Path
) -> None:
    host, maildir = start(database_url, tmp_path)
    try:
        assert "(2 processes x 8 threads)" in host.banner
        workers = children_of(host.process.pid)
        assert len(workers) == 2
        port = int(host.url.rsplit(":", 1)[1])
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda n: register(port, n), range(USERS)))
        assert statuses == [201] * USERS
        deadline = time.monotonic() + 30
        while len(welcome_mails(maildir)) < USERS and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # a second delivery, had there been one, would land now
    finally:
        assert host.stop(signal.SIGINT) == 0
    assert welcome_mails(maildir) == sorted(f"user{n}@example.org" for n in range(USERS))
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived the host"


def test_a_worker_that_dies_stops_the_host_with_status_1_saying_so(
    database_url: str, tmp_path: Path
) -> None:
    host, _ = start(database_url, tmp_path)
    victim, survivor = children_of(host.process.pid)
    os.kill(victim, signal.SIGKILL)
    assert host.process.wait(15) == 1
    assert host.stop() == 1
    assert f"worker process {victim} stopped (killed by SIGKILL)" in host.stderr_path.read_text()
    assert not Path(f"/proc/{survivor}").exists()
