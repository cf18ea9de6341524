"""MAIL_TRANSPORT=maildir: each e-mail is one readable file, with both parts."""

from __future__ import annotations

import mailbox
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from shared import bootstrap
from shared.config import Settings
from shared.mail.delivery import MailTransportUnavailableError
from shared.mail.maildir import MaildirTransport
from shared.mail.rendering import RenderedEmail, render
from tests.unit.mail.payloads import VERIFY_LINK, email

MESSAGE_ID = "0b7e9d3c-1f2a-4e5b-8c6d-7e8f9a0b1c2d"


def read_only_message(folder: Path) -> EmailMessage:
    [path] = (folder / "new").iterdir()
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def rendered(message_type: str) -> RenderedEmail:
    return render(email(message_type), bootstrap.current().settings)


def test_the_maildir_transport_is_the_local_default_under_lms_mail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MAILDIR_PATH")
    bootstrap.reset()
    transport = bootstrap.current().mail
    assert isinstance(transport, MaildirTransport)
    assert transport.path == Path(".lms/mail")


def test_an_email_becomes_one_file_in_new_with_headers_and_both_parts(tmp_path: Path) -> None:
    sent = rendered("email.verify_email")
    result = MaildirTransport(tmp_path / "mail", "LMS <no-reply@lms.example.org>").send(
        sent, MESSAGE_ID
    )
    assert (result.status, result.transport) == ("sent", "maildir")

    message = read_only_message(tmp_path / "mail")
    assert result.transport_id == next(iter(mailbox.Maildir(tmp_path / "mail").keys()))
    assert message["From"] == "LMS <no-reply@lms.example.org>"
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Verify your LMS email"
    assert message["Message-ID"] == f"<{MESSAGE_ID}@lms.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content() == sent.text
    assert html.get_content() == sent.html
    assert VERIFY_LINK in text.get_content()


def test_each_email_is_its_own_file(tmp_path: Path) -> None:
    transport = bootstrap.build(Settings(MAILDIR_PATH=tmp_path / "mail")).mail
    for message_type in ("email.welcome", "email.mfa_login_code"):
        transport.send(rendered(message_type), message_type)
    subjects = sorted(m["Subject"] for m in mailbox.Maildir(tmp_path / "mail").values())
    assert subjects == ["Welcome to LMS", "Your LMS login verification code"]


def test_a_maildir_that_cannot_be_written_raises_so_the_queue_retries(tmp_path: Path) -> None:
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the folder should be")
    transport = MaildirTransport(blocker, "no-reply@lms.local")
    with pytest.raises(MailTransportUnavailableError, match="check MAILDIR_PATH"):
        transport.send(rendered("email.welcome"), MESSAGE_ID)


def test_a_maildir_whose_folders_are_missing_is_created_at_the_first_email(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "fresh" / "checkout" / ".lms" / "mail"
    transport = MaildirTransport(folder, "no-reply@lms.local")
    transport.send(rendered("email.welcome"), MESSAGE_ID)
    assert read_only_message(folder)["Subject"] == "Welcome to LMS"


def test_an_empty_existing_folder_becomes_a_maildir(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    MaildirTransport(tmp_path / "mail", "no-reply@lms.local").send(
        rendered("email.welcome"), MESSAGE_ID
    )
    assert read_only_message(tmp_path / "mail")["Subject"] == "Welcome to LMS"
