"""/api/v1/ready and `lms jobs status` say whether the mail transport can deliver: a Maildir
that cannot be written, an SMTP server that refuses or does not resolve. Mail that is down is
a warning, not a 503: the e-mails wait in the queue, and the API still serves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.cli.main import main
from tests.function_calls import call_http, json_of
from tests.integration.conftest import free_port
from tests.integration.mail.conftest import SmtpServer, use_smtp

pytestmark = pytest.mark.usefixtures("database_url")


def ready() -> tuple[int, dict[str, Any]]:
    response = call_http("health_ready", "GET", "/api/v1/ready")
    return response.status_code, json_of(response)


def test_ready_creates_a_missing_maildir_and_reports_mail_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "not" / "there" / "yet"
    monkeypatch.setenv("MAILDIR_PATH", str(folder))
    bootstrap.reset()
    status, body = ready()
    assert (status, body["status"], body["mail"]) == (200, "ok", "up")
    assert "warnings" not in body
    assert sorted(p.name for p in folder.iterdir()) == ["cur", "new", "tmp"]
    assert list((folder / "tmp").iterdir()) == []  # the probe file is gone


def test_a_maildir_that_cannot_be_written_is_reported_and_the_instance_stays_ready(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("MAILDIR_PATH", str(blocker / "mail"))
    bootstrap.reset()
    status, body = ready()
    assert (status, body["status"], body["mail"]) == (200, "ok", "down")
    assert body["warnings"].startswith(f"mail: cannot write to the Maildir at {blocker / 'mail'}")
    assert "check MAILDIR_PATH" in body["warnings"]


def test_an_smtp_server_that_refuses_connections_is_reported_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_smtp(monkeypatch, free_port())
    monkeypatch.setenv("SMTP_USERNAME", "lms")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret-smtp-pass")
    bootstrap.reset()
    status, body = ready()
    assert (status, body["mail"]) == (200, "down")
    assert "s3cret-smtp-pass" not in str(body)
    assert "mail: SMTP server 127.0.0.1:" in body["warnings"]
    assert "cannot connect" in body["warnings"]
    assert "check SMTP_HOST" in body["warnings"]


def test_an_smtp_host_that_does_not_resolve_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    use_smtp(monkeypatch, 25)
    monkeypatch.setenv("SMTP_HOST", "smtp.lms-test.invalid")
    bootstrap.reset()
    status, body = ready()
    assert (status, body["mail"]) == (200, "down")
    assert "SMTP server smtp.lms-test.invalid:25: cannot connect" in body["warnings"]


def test_an_smtp_server_that_answers_is_reported_up(
    monkeypatch: pytest.MonkeyPatch, start_smtp_server: Callable[..., SmtpServer]
) -> None:
    server = start_smtp_server()
    use_smtp(monkeypatch, server.port)
    status, body = ready()
    assert (status, body["status"], body["mail"]) == (200, "ok", "up")
    assert server.handler.envelopes == []  # greeted and left; nothing was sent


def test_jobs_status_reports_the_mail_transport_down_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    use_smtp(monkeypatch, port)
    assert main(["jobs", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(f"mail: smtp DOWN: SMTP server 127.0.0.1:{port}: cannot connect")


def test_jobs_status_reports_a_maildir_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "status"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "mail: maildir up"
