"""MAIL_TRANSPORT=firebase: a signed POST that follows the sendEmail contract, against an HTTP
server that checks the signature the way the function does."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from shared import bootstrap
from shared.mail.delivery import MailTransportUnavailableError
from shared.mail.firebase import FirebaseTransport, signature
from shared.mail.rendering import RenderedEmail, render
from tests.integration.conftest import free_port
from tests.integration.mail.conftest import SIGNING_SECRET, SendEmailServer
from tests.unit.mail.payloads import email

MESSAGE_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def welcome() -> RenderedEmail:
    return render(email("email.welcome"), bootstrap.current().settings)


def transport(url: str, secret: str = SIGNING_SECRET, timeout: float = 5) -> FirebaseTransport:
    return FirebaseTransport(url, secret, timeout=timeout)


def test_the_signature_is_an_hmac_sha256_of_timestamp_dot_body_under_v1() -> None:
    expected = hmac.new(b"k", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert signature("k", "1700000000", b'{"a":1}') == f"v1={expected}"


def test_the_email_is_posted_signed_as_json_and_the_smtp_queue_id_kept(
    send_email_server: SendEmailServer,
) -> None:
    email = welcome()
    result = transport(send_email_server.url).send(email, MESSAGE_ID)

    assert (result.status, result.transport) == ("sent", "firebase")
    assert result.transport_id == f"queued-{MESSAGE_ID[:8]}"
    [request] = send_email_server.requests
    assert request["path"] == "/sendEmail"
    assert request["content_type"] == "application/json"
    assert request["signed"] is True
    assert request["json"] == {
        "to": "ada@example.org",
        "subject": "Welcome to LMS",
        "text": email.text,
        "html": email.html,
        "message_id": MESSAGE_ID,
    }


def test_a_request_signed_with_another_secret_is_refused_and_retried(
    send_email_server: SendEmailServer,
) -> None:
    with pytest.raises(MailTransportUnavailableError, match="answered 401") as caught:
        transport(send_email_server.url, secret="not-the-shared-secret").send(welcome(), MESSAGE_ID)
    assert "SEND_EMAIL_SIGNING_SECRET" in str(caught.value)


def test_a_permanent_smtp_rejection_is_rejected_for_good_without_the_address_in_the_reason(
    send_email_server: SendEmailServer,
) -> None:
    send_email_server.status = 502
    send_email_server.answer = {
        "error": "smtp_rejected",
        "detail": "550 5.1.1 <ada@example.org>: no such user",
        "permanent": True,
    }
    result = transport(send_email_server.url).send(welcome(), MESSAGE_ID)
    assert result.status == "rejected"
    assert result.reason == "smtp_rejected: 550 5.1.1 <***@***>: no such user"


def test_a_recipient_the_relay_does_not_allow_is_rejected_for_good(
    send_email_server: SendEmailServer,
) -> None:
    send_email_server.status = 403
    send_email_server.answer = {
        "error": "recipient_not_allowed",
        "detail": "recipient domain not allowed",
        "permanent": True,
    }
    result = transport(send_email_server.url).send(welcome(), MESSAGE_ID)
    assert (result.status, result.reason) == (
        "rejected",
        "recipient_not_allowed: recipient domain not allowed",
    )


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (409, {"error": "in_progress", "detail": "another attempt", "permanent": False}),
        (502, {"error": "smtp_unavailable", "detail": "connection refused", "permanent": False}),
        (502, {"error": "smtp_rejected", "detail": "451 try later"}),
        (400, {"error": "invalid_request", "detail": "subject is required"}),
        (429, {"error": "rate_limited", "detail": "slow down"}),
        (500, {"error": "internal"}),
        (200, {"status": "queued"}),
    ],
)
def test_any_other_answer_raises_so_the_queue_retries(
    send_email_server: SendEmailServer, status: int, answer: dict[str, object]
) -> None:
    send_email_server.status = status
    send_email_server.answer = answer
    with pytest.raises(MailTransportUnavailableError, match=f"answered {status}"):
        transport(send_email_server.url).send(welcome(), MESSAGE_ID)


def test_a_redirect_is_not_followed(send_email_server: SendEmailServer) -> None:
    send_email_server.status = 307
    send_email_server.answer = {"error": "moved"}
    send_email_server.headers = {"Location": send_email_server.url + "/elsewhere"}
    with pytest.raises(MailTransportUnavailableError, match="answered 307"):
        transport(send_email_server.url).send(welcome(), MESSAGE_ID)
    assert [r["path"] for r in send_email_server.requests] == ["/sendEmail"]


def test_an_answer_slower_than_the_timeout_raises(send_email_server: SendEmailServer) -> None:
    send_email_server.delay = 1.5
    with pytest.raises(MailTransportUnavailableError, match="no answer"):
        transport(send_email_server.url, timeout=0.3).send(welcome(), MESSAGE_ID)


def test_a_function_that_is_down_raises() -> None:
    url = f"http://127.0.0.1:{free_port()}/sendEmail"
    with pytest.raises(MailTransportUnavailableError, match="no answer") as caught:
        transport(url).send(welcome(), MESSAGE_ID)
    assert SIGNING_SECRET not in str(caught.value)
