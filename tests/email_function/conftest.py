"""sendEmail's tests: its folder on sys.path (as Firebase runs it), its params, a real SMTP server.

functions_email/ is not a package: Firebase runs main.py with that folder as the working
directory, so its modules import each other by bare name. The tests do the same by putting the
folder on sys.path. Params are environment variables of the same name, set per test.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions_email"
if str(FUNCTION_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTION_DIR))

import delivery_log  # noqa: E402
import signing  # noqa: E402

SECRET = "test-signing-secret-0123456789abcdef"  # at least 32 bytes, as the function requires
MAIL_FROM = "LMS <no-reply@lms.example>"


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that keeps every message and refuses the recipients it is told to."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    data_reply: str = "250 2.0.0 Ok: queued as {n}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return self.data_reply.format(n=f"Q{len(self.received)}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def relay_params(monkeypatch: pytest.MonkeyPatch) -> None:
    """The params of a relay to an SMTP server without TLS or login on 127.0.0.1."""
    monkeypatch.setenv("SEND_EMAIL_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SMTP_PASSWORD", "")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens unless a test starts it
    monkeypatch.setenv("SMTP_USERNAME", "")
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("SMTP_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("MAIL_FROM", MAIL_FROM)
    monkeypatch.delenv("ALLOWED_RECIPIENT_DOMAINS", raising=False)


@pytest.fixture
def smtp(smtp_server: tuple[RecordingHandler, int], monkeypatch: pytest.MonkeyPatch):
    """The running SMTP server, with the relay's params pointing at it."""
    handler, port = smtp_server
    monkeypatch.setenv("SMTP_PORT", str(port))
    return handler


@pytest.fixture(autouse=True)
def records() -> Iterator[delivery_log.InMemoryDeliveryLog]:
    """The process's delivery log, in memory (the Firestore emulator cannot run here)."""
    log = delivery_log.InMemoryDeliveryLog()
    delivery_log.use_delivery_log(log)
    yield log
    delivery_log.use_delivery_log(None)


def message(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "to": "ada@example.org",
        "subject": "Welcome to LMS",
        "text": "Hello Ada,\n\nwelcome.\n\nLMS Team",
        "message_id": "0b7c5c3e-4f7e-4d2b-9a53-6f1c2f9e8d10",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def signed(
    body: dict[str, Any] | bytes, *, secret: str = SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The bytes to send and the headers that sign them, the way the backend does it."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = signing.signature_headers(secret.encode(), stamp, raw)
    return raw, {"Content-Type": "application/json", **headers}
