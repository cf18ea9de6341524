"""The whole mail path on a laptop, over real HTTP and SMTP: register → outbox → emails queue
→ firebase transport → sendEmail (served by `lms serve` at /sendEmail) → the SMTP server."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.e2e.host_process import HostProcess, host_environment, run_lms
from tests.integration.conftest import free_port
from tests.integration.mail.conftest import CollectingHandler

SECRET = "e2e-signing-secret-0123456789abcdef-0123"


def test_a_registration_mails_the_welcome_through_send_email_to_the_smtp_server(
    tmp_path: Path,
) -> None:
    handler = CollectingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = host_environment(
        f"sqlite:///{tmp_path}/lms.db",
        tmp_path,
        MAIL_TRANSPORT="firebase",
        SEND_EMAIL_URL=f"http://127.0.0.1:{port}/sendEmail",
        SEND_EMAIL_SIGNING_SECRET=SECRET,
        MAIL_FROM="LMS <no-reply@lms.example.org>",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        SMTP_SECURITY="none",
    )
    assert run_lms("migrate", env=env).returncode == 0
    host = HostProcess(env, port=port)
    try:
        host.wait_until_listening()
        assert "sendEmail       /sendEmail" in host.banner
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = {"email": "ada@example.org", "full_name": "Ada Lovelace", "password": "pw-" * 4}
        connection.request(
            "POST",
            "/api/v1/auth/register",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert connection.getresponse().status == 201
        deadline = time.monotonic() + 30
        while not handler.envelopes and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        assert host.stop() == 0
        smtp.stop()

    [mail] = handler.messages
    assert handler.envelopes[0].rcpt_tos == ["ada@example.org"]
    assert mail["From"] == "LMS <no-reply@lms.example.org>"
    assert "Welcome" in mail["Subject"]
    kinds = {part.get_content_type() for part in mail.walk()}
    assert {"text/plain", "text/html"} <= kinds
