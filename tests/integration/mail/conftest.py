"""Real mail servers for the transport tests: an aiosmtpd SMTP server, and an HTTP server that
answers as the sendEmail contract says (shared/mail/firebase.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from shared import bootstrap
from shared.local.app_functions import QueueFunction
from tests.function_calls import functions_by_name
from tests.integration.conftest import free_port
from tests.tls import write_self_signed_certificate

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


class CollectingHandler:
    """Accepts every recipient and keeps every message, unless told to answer otherwise."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_reply: str | None = None  # e.g. "550 5.1.1 <x>: no such mailbox"
        self.data_reply: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return f"250 2.0.0 Ok: queued as Q{len(self.envelopes)}"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(bytes(e.content or b""), policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: CollectingHandler
    controller: Controller


@pytest.fixture
def start_smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """Start aiosmtpd servers on `port` or a free one (SMTP keyword arguments passed on);
    stopped after."""
    started: list[Controller] = []

    def start(port: int | None = None, **smtp_options: Any) -> SmtpServer:
        handler = CollectingHandler()
        controller = Controller(
            handler, hostname="127.0.0.1", port=port or free_port(), **smtp_options
        )
        controller.start()
        started.append(controller)
        return SmtpServer("127.0.0.1", controller.port, handler, controller)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_server(
    start_smtp_server: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> SmtpServer:
    """An aiosmtpd server, and the settings that send every e-mail to it."""
    server = start_smtp_server()
    use_smtp(monkeypatch, server.port)
    return server


def use_firebase(monkeypatch: pytest.MonkeyPatch, server: SendEmailServer) -> None:
    monkeypatch.setenv("MAIL_TRANSPORT", "firebase")
    monkeypatch.setenv("SEND_EMAIL_URL", server.url)
    monkeypatch.setenv("SEND_EMAIL_SIGNING_SECRET", SIGNING_SECRET)
    bootstrap.reset()


def use_smtp(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name, value in {
        "MAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT_SECONDS": "5",
        "MAIL_FROM": "LMS <no-reply@lms.example.org>",
    }.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()


@dataclass
class TlsCertificate:
    """A self-signed certificate for 127.0.0.1: contexts for a server and a client trusting it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> TlsCertificate:
    cert_path, key_path = write_self_signed_certificate(tmp_path_factory.mktemp("tls"))
    cert_pem = cert_path.read_bytes()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return TlsCertificate(server, client)


@dataclass
class SendEmailServer:
    """What the stub sendEmail function received, and what it answers next."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    answer: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    during: Callable[[], None] | None = None  # runs while a request waits for its answer


@pytest.fixture
def send_email_server() -> Iterator[SendEmailServer]:
    """An HTTP server on 127.0.0.1 that checks the signature as sendEmail does."""
    state = SendEmailServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = self.headers.get("X-LMS-Timestamp", "")
            expected = hmac.new(
                SIGNING_SECRET.encode(), (timestamp + ".").encode() + body, hashlib.sha256
            ).hexdigest()
            signed = hmac.compare_digest(self.headers.get("X-LMS-Signature", ""), f"v1={expected}")
            fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
            state.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "signed": signed and fresh,
                    "json": json.loads(body),
                }
            )
            time.sleep(state.delay)
            if state.during is not None:
                state.during()
            if not (signed and fresh):
                status, answer = 401, {"error": "bad_signature", "detail": "signature mismatch"}
            else:
                message_id = json.loads(body)["message_id"]
                status = state.status
                answer = state.answer or {
                    "status": "sent",
                    "message_id": message_id,
                    "smtp_queue_id": f"queued-{message_id[:8]}",
                }
            raw = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **state.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sendEmail"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def emails_function() -> QueueFunction:
    """The app's real `emails_consume` function, called the way the local host calls it."""
    user_function = functions_by_name()["emails_consume"].get_user_function()
    return QueueFunction("emails_consume", "emails", lambda msg: user_function(msg=msg))
