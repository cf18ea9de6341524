"""`lms serve` as a child process, the way a developer runs it, for the end-to-end tests."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from shared.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30
_LISTENING = re.compile(r"listening on (http://\S+)")


def host_environment(database_url: str, folder: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any LMS setting, plus the ones given."""
    env = {k: v for k, v in os.environ.items() if k not in Settings.model_fields}
    env.update(
        ENVIRONMENT="test",
        DATABASE_URL=database_url,
        LOCAL_STORAGE_DIR=str(folder / "files"),
        LOCAL_WEBHOOKS_DIR=str(folder / "webhooks"),
        CERTIFICATE_SIGNING_KEY=str(folder / "keys" / "certificate-signing-key.pem"),
        PYTHONPATH=str(REPO_ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def run_lms(
    *args: str, env: dict[str, str], cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


class HostProcess:
    """One `lms serve --port 0`; `url` comes from its start-up banner."""

    def __init__(
        self, env: dict[str, str], cwd: Path = REPO_ROOT, port: int = 0, processes: int = 1
    ) -> None:
        self.stderr_path = Path(env["LOCAL_STORAGE_DIR"]).parent / f"serve-{id(self)}.err"
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shared.cli",
                "serve",
                "--port",
                str(port),
                "--processes",
                str(processes),
                "--threads",
                "8",
            ],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self.url = ""

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_until_listening(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.1))
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            found = _LISTENING.search(line)
            if found:
                self.url = found.group(1)
                self._drain_banner()
                return self.url
        self.stop()
        raise AssertionError(
            f"lms serve did not start (exit {self.process.poll()}):\n"
            + "\n".join(self.output)
            + "\n"
            + self.stderr_path.read_text()
        )

    def _drain_banner(self) -> None:
        while not self.output[-1].startswith("Ctrl-C"):
            line = self.lines.get(timeout=5)
            assert line is not None
            self.output.append(line)

    @property
    def banner(self) -> str:
        return "\n".join(self.output)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10) -> int:
        """Send `sig`, wait for the exit status (killing it past `timeout`)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"lms serve ignored {signal.Signals(sig).name}") from None
        self._stderr.close()
        while True:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
        return self.process.returncode
