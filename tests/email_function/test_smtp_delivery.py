"""SMTP delivery over the three security modes, with login, against aiosmtpd."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtp_delivery import (
    SmtpRejectedError,
    SmtpServer,
    SmtpUnavailableError,
    build_message,
    deliver,
    message_id_header,
    queue_id_from_reply,
)

from tests.tls import write_self_signed_certificate

from .conftest import RecordingHandler, free_port

USER, PASSWORD = "relay", "s3cret"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    cert_path, key_path = write_self_signed_certificate(tmp_path_factory.mktemp("tls"))
    return str(cert_path), str(key_path)


@pytest.fixture
def client_tls(certificate) -> ssl.SSLContext:
    """What the function's default context is, but trusting the test certificate."""
    return ssl.create_default_context(cafile=certificate[0])


def server_tls(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def start(handler, **options) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


@pytest.fixture
def starttls_server(certificate) -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    controller = start(
        handler,
        tls_context=server_tls(certificate),
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def ssl_server(certificate) -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    controller = start(
        handler,
        ssl_context=server_tls(certificate),
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS as TLS; this session is TLS
    )
    yield handler, controller.port
    controller.stop()


def server(port, security, username=USER, password=PASSWORD) -> SmtpServer:
    return SmtpServer("127.0.0.1", port, security, username, password, 5.0, "lms.example")


def a_message() -> bytes:
    return build_message(
        mail_from="no-reply@lms.example",
        to=["ada@example.org"],
        subject="Hi",
        text="Hello",
        html=None,
        reply_to=None,
        message_id="m1",
        sender_domain="lms.example",
        date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    ).as_bytes()


def test_starttls_upgrades_the_session_before_logging_in(starttls_server, client_tls):
    handler, port = starttls_server
    accepted = deliver(
        server(port, "starttls"),
        "no-reply@lms.example",
        ["ada@example.org"],
        a_message(),
        client_tls,
    )
    assert accepted.queue_id == "Q1"
    assert accepted.reply == "250 2.0.0 Ok: queued as Q1"
    assert handler.received[0].rcpt_tos == ["ada@example.org"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_logs_in_and_sends(ssl_server, client_tls):
    handler, port = ssl_server
    deliver(
        server(port, "ssl"), "no-reply@lms.example", ["ada@example.org"], a_message(), client_tls
    )
    assert len(handler.received) == 1


def test_a_certificate_the_client_does_not_trust_is_unavailable(starttls_server):
    _, port = starttls_server
    with pytest.raises(SmtpUnavailableError) as raised:
        deliver(server(port, "starttls"), "no-reply@lms.example", ["ada@example.org"], a_message())
    assert raised.value.permanent is False


def test_a_refused_login_is_unavailable_not_a_rejected_message(starttls_server, client_tls):
    _, port = starttls_server
    with pytest.raises(SmtpUnavailableError, match="SMTP_PASSWORD") as raised:
        deliver(
            server(port, "starttls", password="wrong"),
            "no-reply@lms.example",
            ["ada@example.org"],
            a_message(),
            client_tls,
        )
    assert (raised.value.smtp_code, raised.value.permanent) == (535, False)


def test_a_server_without_starttls_is_unavailable_for_a_starttls_relay(smtp_server):
    _, port = smtp_server
    with pytest.raises(SmtpUnavailableError, match="SMTP_SECURITY"):
        deliver(server(port, "starttls", username=""), "a@lms.example", ["b@example.org"], b"x")


def test_a_server_that_requires_login_rejects_an_anonymous_relay(starttls_server, client_tls):
    _, port = starttls_server
    with pytest.raises(SmtpRejectedError) as raised:
        deliver(
            server(port, "starttls", username=""),
            "no-reply@lms.example",
            ["ada@example.org"],
            a_message(),
            client_tls,
        )
    assert raised.value.smtp_code == 530
    assert raised.value.permanent is True


@pytest.mark.parametrize(
    ("reply", "queue_id"),
    [
        ("2.0.0 Ok: queued as 4bXyZ1Kq2z", "4bXyZ1Kq2z"),
        ("Ok: queued as <ABC123@mx.example>", "ABC123@mx.example"),
        ("OK id=1tAbCd-000Xy-9Z", "1tAbCd-000Xy-9Z"),
        ("OK", None),
        ("2.0.0 OK  1767225600 d2e1a72fcca58-abc.123 - gsmtp", None),
    ],
)
def test_the_queue_id_is_read_from_the_usual_reply_formats(reply, queue_id):
    assert queue_id_from_reply(reply) == queue_id


@pytest.mark.parametrize(
    ("message_id", "header"),
    [
        (
            "0b7c5c3e-4f7e-4d2b-9a53-6f1c2f9e8d10",
            "<0b7c5c3e-4f7e-4d2b-9a53-6f1c2f9e8d10@d.example>",
        ),
        ("outbox:12.3", "<outbox=3A12=2E3@d.example>"),
        ("..", "<=2E=2E@d.example>"),
    ],
)
def test_the_message_id_header_is_valid_whatever_the_allowed_characters(message_id, header):
    assert message_id_header(message_id, "d.example") == header
