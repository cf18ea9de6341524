"""Azurite (the Azure Storage emulator from npm) for the blob storage tests.

Azurite comes from package.json (`npm ci`, which `make test` runs). When it is missing the
tests fail rather than skip: a skipped storage test would let CI pass without testing storage.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
STARTUP_TIMEOUT_SECONDS = 30.0

# Azurite's fixed development account; the key is public and documented by Microsoft.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@dataclass
class AzuriteBlob:
    """One running azurite-blob process."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{ACCOUNT_NAME};"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_azurite_blob(workdir: Path) -> AzuriteBlob:
    """Start azurite-blob on a free port and return once it accepts connections."""
    if not AZURITE_BLOB.exists():
        pytest.fail(f"{AZURITE_BLOB} is missing: run `npm ci` (make test does it)", pytrace=False)
    port = free_port()
    log_path = workdir / f"azurite-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(AZURITE_BLOB),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(port),
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--inMemoryPersistence",
                "--silent",
            ],
            cwd=workdir,  # anything Azurite writes despite --inMemoryPersistence lands here
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    azurite = AzuriteBlob(process, port)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            azurite.stop()
            output = log_path.read_text(errors="replace")
            pytest.fail(f"azurite-blob did not start on port {port}:\n{output}", pytrace=False)
        time.sleep(0.1)
    return azurite


@pytest.fixture(scope="session")
def azurite_blob(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The connection string of an Azurite shared by the whole run."""
    azurite = start_azurite_blob(tmp_path_factory.mktemp("azurite"))
    yield azurite.connection_string
    azurite.stop()


@pytest.fixture
def start_private_azurite(tmp_path: Path) -> Iterator[Callable[[], AzuriteBlob]]:
    """Start an Azurite of the test's own, for tests that stop it; stopped at teardown."""
    started: list[AzuriteBlob] = []

    def start() -> AzuriteBlob:
        azurite = start_azurite_blob(tmp_path)
        started.append(azurite)
        return azurite

    yield start
    for azurite in started:
        azurite.stop()
