"""A newcomer's first hour: a fresh clone, the README's run command, then `lms worker` beside
an API-only host (what `func start` with local.settings.sample.json serves).

The clone is of the committed tree. `make run BIN=...` reuses this test's environment
instead of installing a new one (the README documents the variable), so the test takes
seconds, not the minutes of a fresh install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import Settings
from tests.e2e.host_process import REPO_ROOT

_LISTENING = re.compile(r"listening on (http://\S+)")
STARTUP_SECONDS = 120


def _environment(**settings: str) -> dict[str, str]:
    """A shell's environment: no LMS setting, no PYTHONPATH pointing at this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in Settings.model_fields}
    env.pop("PYTHONPATH", None)
    env.update(PYTHONUNBUFFERED="1", **settings)
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("newcomer") / "lms"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(target)],
        check=True,
        timeout=120,
    )
    return target


class Child:
    """A command in its own process group, its stdout read line by line."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.log = cwd / f".child-{len(list(cwd.glob('.child-*')))}.log"
        self.process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_for(self, pattern: re.Pattern[str], seconds: float = STARTUP_SECONDS) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = pattern.search(self.output)
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"{pattern.pattern!r} never appeared:\n{self.output}")

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # the group this test started
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def _post(url: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.fixture(scope="module")
def ran_make_run(clone: Path) -> Iterator[str]:
    if shutil.which("make") is None:
        pytest.fail("make is not installed: apt-get install make", pytrace=False)
    bin_dir = str(Path(sys.executable).parent)
    child = Child(["make", "run", f"BIN={bin_dir}", "PORT=0"], clone, _environment())
    try:
        url = child.wait_for(_LISTENING).group(1)
        yield url
    finally:
        child.stop()
    assert "Seeding demo data" in child.output


def test_the_readme_run_command_serves_a_ready_api_from_a_fresh_clone(
    clone: Path, ran_make_run: str
) -> None:
    status, body = _get(f"{ran_make_run}/api/v1/ready")

    assert status == 200, body
    assert (clone / ".lms" / "lms.db").exists()  # the embedded default, in the clone


def test_lms_worker_delivers_the_mail_an_api_only_host_queued(clone: Path) -> None:
    # A database of its own: the `make run` host above consumes the default one's queues.
    maildir = clone / ".lms" / "worker-mail"
    settings = {
        "MAILDIR_PATH": str(maildir),
        "DATABASE_URL": f"sqlite:///{clone / '.lms' / 'worker.db'}",
    }
    subprocess.run(
        [sys.executable, "-m", "shared.cli", "migrate"],
        cwd=clone,
        env=_environment(**settings),
        check=True,
        capture_output=True,
        timeout=120,
    )
    api = Child(
        [sys.executable, "-m", "shared.cli", "serve", "--port", "0", "--processes", "1"],
        clone,
        _environment(APP_ROLE="api", **settings),
    )
    worker = Child([sys.executable, "-m", "shared.cli", "worker"], clone, _environment(**settings))
    try:
        url = api.wait_for(_LISTENING).group(1)
        api.wait_for(re.compile(r"Ctrl-C to stop"))
        assert re.search(r"queue triggers\s+none", api.output)  # the API host consumes nothing
        worker.wait_for(re.compile(r"LMS worker running"))

        signup = {"email": "new@example.com", "password": "NewcomerPass123", "full_name": "New"}
        assert _post(f"{url}/api/v1/auth/register", signup) == 201

        deadline = time.monotonic() + 30
        delivered: list[Path] = []
        while not delivered and time.monotonic() < deadline:
            delivered = list((maildir / "new").glob("*")) if (maildir / "new").exists() else []
            time.sleep(0.2)
        assert delivered, f"no mail in {maildir}:\n{worker.output}"
        assert "new@example.com" in delivered[0].read_text(errors="replace")
    finally:
        worker.stop()
        api.stop()
    assert worker.process.returncode == 0, worker.output
