"""MAIL_TRANSPORT=smtp against a real SMTP server (aiosmtpd): what arrives, what is refused for
good, and what is retried."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from shared import bootstrap
from shared.mail.delivery import MailTransportUnavailableError
from shared.mail.rendering import RenderedEmail, render
from shared.mail.smtp import SmtpTransport
from tests.integration.conftest import free_port
from tests.integration.mail.conftest import SmtpServer, TlsCertificate
from tests.unit.mail.payloads import RESET_LINK, email

MESSAGE_ID = "5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
SENDER = "LMS <no-reply@lms.example.org>"


def transport(port: int, **options: str) -> SmtpTransport:
    return SmtpTransport(
        "127.0.0.1", port, sender=SENDER, timeout=5, **{"security": "none", **options}
    )


def reset_email() -> RenderedEmail:
    return render(email("email.password_reset"), bootstrap.current().settings)


def crlf_to_lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def test_the_server_receives_the_headers_and_both_parts(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    server = start_smtp_server()
    email = reset_email()
    result = transport(server.port).send(email, MESSAGE_ID)

    assert (result.status, result.transport) == ("sent", "smtp")
    assert result.transport_id == "2.0.0 Ok: queued as Q1"
    [envelope] = server.handler.envelopes
    assert envelope.mail_from == "no-reply@lms.example.org"
    assert envelope.rcpt_tos == ["ada@example.org"]
    [message] = server.handler.messages
    assert message["From"] == SENDER
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Reset your LMS password"
    assert message["Message-ID"] == f"<{MESSAGE_ID}@lms.example.org>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert crlf_to_lf(text.get_content()) == email.text
    assert RESET_LINK in text.get_content()
    assert crlf_to_lf(html.get_content()) == email.html


def test_a_recipient_refused_with_550_is_rejected_for_good_with_the_servers_reason(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    server = start_smtp_server()
    server.handler.rcpt_reply = "550 5.1.1 <ada@example.org>: Recipient address rejected"
    result = transport(server.port).send(reset_email(), MESSAGE_ID)
    assert result.status == "rejected"
    assert result.reason == "550 5.1.1 <ada@example.org>: Recipient address rejected"
    assert server.handler.envelopes == []


def test_a_recipient_deferred_with_450_raises_so_the_queue_retries(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    server = start_smtp_server()
    server.handler.rcpt_reply = "450 4.2.1 <ada@example.org>: mailbox busy, try later"
    with pytest.raises(MailTransportUnavailableError) as caught:
        transport(server.port).send(reset_email(), MESSAGE_ID)
    assert "450" in str(caught.value)
    assert "ada@example.org" not in str(caught.value)


def test_a_message_refused_with_554_after_data_is_rejected_for_good(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    server = start_smtp_server()
    server.handler.data_reply = "554 5.7.1 Message rejected as spam"
    result = transport(server.port).send(reset_email(), MESSAGE_ID)
    assert (result.status, result.reason) == ("rejected", "554 5.7.1 Message rejected as spam")


def test_a_server_that_is_down_raises_so_the_queue_retries() -> None:
    with pytest.raises(MailTransportUnavailableError, match="cannot connect") as caught:
        transport(free_port()).send(reset_email(), MESSAGE_ID)
    assert "check SMTP_HOST, SMTP_PORT" in str(caught.value)


def test_starttls_against_a_server_without_it_raises_rather_than_sending_in_clear(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    server = start_smtp_server()
    with pytest.raises(MailTransportUnavailableError, match="cannot connect"):
        transport(server.port, security="starttls").send(reset_email(), MESSAGE_ID)
    assert server.handler.envelopes == []


def test_starttls_encrypts_before_the_login_and_the_mail(
    start_smtp_server: Callable[..., SmtpServer], tls_certificate: TlsCertificate
) -> None:
    server = start_smtp_server(tls_context=tls_certificate.server, require_starttls=True)
    secure = SmtpTransport(
        "127.0.0.1",
        server.port,
        sender=SENDER,
        security="starttls",
        timeout=5,
        tls_context=tls_certificate.client,
    )
    assert secure.send(reset_email(), MESSAGE_ID).status == "sent"
    assert len(server.handler.envelopes) == 1


def test_starttls_refuses_a_certificate_it_cannot_verify(
    start_smtp_server: Callable[..., SmtpServer], tls_certificate: TlsCertificate
) -> None:
    server = start_smtp_server(tls_context=tls_certificate.server, require_starttls=True)
    # The system's CAs do not know the test certificate.
    with pytest.raises(MailTransportUnavailableError, match="SSLCertVerificationError"):
        transport(server.port, security="starttls").send(reset_email(), MESSAGE_ID)
    assert server.handler.envelopes == []


def test_implicit_tls_delivers_on_an_ssl_port(
    start_smtp_server: Callable[..., SmtpServer], tls_certificate: TlsCertificate
) -> None:
    server = start_smtp_server(ssl_context=tls_certificate.server)
    secure = SmtpTransport(
        "127.0.0.1",
        server.port,
        sender=SENDER,
        security="ssl",
        timeout=5,
        tls_context=tls_certificate.client,
    )
    assert secure.send(reset_email(), MESSAGE_ID).status == "sent"
    assert len(server.handler.envelopes) == 1


def test_the_transport_logs_in_when_a_username_is_set(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=data.password == b"s3cret", handled=False)

    server = start_smtp_server(authenticator=authenticate, auth_require_tls=False)
    transport(server.port, username="lms", password="s3cret").send(reset_email(), MESSAGE_ID)
    assert logins[0] == (b"lms", b"s3cret")
    assert len(server.handler.envelopes) == 1

    with pytest.raises(MailTransportUnavailableError, match=r"login refused \(535\)"):
        transport(server.port, username="lms", password="wrong").send(reset_email(), MESSAGE_ID)
    assert len(server.handler.envelopes) == 1


def test_an_address_that_is_not_ascii_needs_a_server_with_smtputf8(
    start_smtp_server: Callable[..., SmtpServer],
) -> None:
    email = RenderedEmail("zoë@example.org", "Welcome", "text", "<p>html</p>")
    plain = start_smtp_server(enable_SMTPUTF8=False)
    result = transport(plain.port).send(email, MESSAGE_ID)
    assert result.status == "rejected"
    assert "SMTPUTF8" in (result.reason or "")

    utf8 = start_smtp_server(enable_SMTPUTF8=True)
    assert transport(utf8.port).send(email, MESSAGE_ID).status == "sent"
    assert utf8.handler.envelopes[0].rcpt_tos == ["zoë@example.org"]
