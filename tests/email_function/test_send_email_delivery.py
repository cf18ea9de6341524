"""sendEmail delivers to a real SMTP server (aiosmtpd), once per message id, served by the
functions framework the way `firebase emulators:start` and Cloud Run serve it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import functions_framework
import pytest

from .conftest import FUNCTION_DIR, MAIL_FROM, message, signed


@pytest.fixture
def client():
    app = functions_framework.create_app(target="sendEmail", source=str(FUNCTION_DIR / "main.py"))
    return app.test_client()


def send(client, body, **signing_options):
    data, headers = signed(body, **signing_options)
    return client.post("/", data=data, headers=headers)


def test_the_functions_framework_serves_the_firebase_decorated_function(client):
    response = client.get("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_signed_message_is_delivered_with_its_headers_and_both_parts(client, smtp):
    response = send(
        client,
        message(
            to=["ada@example.org", "bob@example.org"],
            subject="Verify your LMS email — ünïcode",
            text="Hello Ada,\n\nverify here: https://lms.example/v?t=1\n",
            html="<p>Hello Ada,</p><p><a href='https://lms.example/v?t=1'>Verify</a></p>",
            reply_to="help@lms.example",
            message_id="outbox:2f1c.7",
        ),
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "sent",
        "message_id": "outbox:2f1c.7",
        "smtp_queue_id": "Q1",
        "duplicate": False,
    }
    [received] = smtp.received
    assert received.mail_from == "no-reply@lms.example"
    assert received.rcpt_tos == ["ada@example.org", "bob@example.org"]
    mail = received.message
    assert mail["From"] == MAIL_FROM
    assert mail["To"] == "ada@example.org, bob@example.org"
    assert mail["Subject"] == "Verify your LMS email — ünïcode"
    assert mail["Reply-To"] == "help@lms.example"
    assert mail["Message-ID"] == "<outbox=3A2f1c=2E7@lms.example>"
    sent_at = parsedate_to_datetime(mail["Date"])
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=1)
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.iter_parts()
    assert plain.get_content_type() == "text/plain"
    # SMTP carries CRLF line ends; the text is the caller's, line for line
    assert plain.get_content().splitlines() == [
        "Hello Ada,",
        "",
        "verify here: https://lms.example/v?t=1",
    ]
    assert html.get_content_type() == "text/html"
    assert "<a href='https://lms.example/v?t=1'>Verify</a>" in html.get_content()


def test_a_text_only_message_is_a_single_text_plain_part_without_reply_to(client, smtp):
    assert send(client, message()).status_code == 200
    mail = smtp.received[0].message
    assert mail.get_content_type() == "text/plain"
    assert mail["Reply-To"] is None
    assert mail["Message-ID"] == "<0b7c5c3e-4f7e-4d2b-9a53-6f1c2f9e8d10@lms.example>"


def test_a_server_reply_without_a_queue_id_is_returned_whole(client, smtp):
    smtp.data_reply = "250 OK"
    assert send(client, message()).get_json()["smtp_queue_id"] == "250 OK"


def test_the_from_address_is_always_mail_from(client, smtp, monkeypatch):
    monkeypatch.setenv("MAIL_FROM", "courses@lms.example")
    send(client, message())
    assert smtp.received[0].message["From"] == "courses@lms.example"
    assert smtp.received[0].mail_from == "courses@lms.example"


# --- Idempotency ----------------------------------------------------------------------------


def test_a_second_request_with_the_same_message_id_sends_nothing_and_returns_the_first_result(
    client, smtp
):
    first = send(client, message())
    second = send(client, message())  # signed again: a retry by the backend

    assert len(smtp.received) == 1
    assert second.status_code == 200
    assert second.get_json() == {**first.get_json(), "duplicate": True}


def test_the_same_request_replayed_inside_the_window_sends_nothing(client, smtp):
    data, headers = signed(message())
    client.post("/", data=data, headers=headers)
    replay = client.post("/", data=data, headers=headers)
    assert replay.get_json()["duplicate"] is True
    assert len(smtp.received) == 1


def test_a_message_id_reused_for_another_recipient_is_a_conflict(client, smtp):
    send(client, message())
    response = send(client, message(to="eve@example.net"))
    assert response.status_code == 409
    assert response.get_json()["error"] == "message_id_conflict"
    assert response.get_json()["permanent"] is True
    assert len(smtp.received) == 1


def test_a_message_another_request_is_sending_answers_409_in_progress(client, smtp, records):
    from email_request import parse_email_request

    body = message()
    fingerprint = parse_email_request(body).fingerprint()
    records.claim(body["message_id"], fingerprint, datetime.now(UTC))

    response = send(client, body)
    assert response.status_code == 409
    assert response.get_json()["error"] == "in_progress"
    assert response.headers["Retry-After"] == "30"
    assert smtp.received == []


def test_a_message_whose_sender_died_mid_send_is_sent_by_the_next_request(client, smtp, records):
    from email_request import parse_email_request

    body = message()
    fingerprint = parse_email_request(body).fingerprint()
    records.claim(body["message_id"], fingerprint, datetime.now(UTC) - timedelta(minutes=11))

    assert send(client, body).status_code == 200
    assert len(smtp.received) == 1
    assert records.records[body["message_id"]]["attempts"] == 2


def test_the_delivery_log_records_the_sent_message_and_its_queue_id(client, smtp, records):
    send(client, message())
    record = records.records[message()["message_id"]]
    assert record["status"] == "sent"
    assert record["smtp_queue_id"] == "Q1"


# --- SMTP failures --------------------------------------------------------------------------


def test_a_refused_recipient_is_502_permanent_and_no_one_gets_the_message(client, smtp, records):
    smtp.refuse["gone@example.org"] = "550 5.1.1 <gone@example.org>: Recipient address rejected"
    response = send(client, message(to=["ada@example.org", "gone@example.org"]))

    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "smtp_rejected"
    assert body["permanent"] is True
    assert body["smtp_code"] == 550
    assert "gone@example.org" in body["detail"]
    assert smtp.received == []
    assert records.records[message()["message_id"]]["status"] == "failed"


def test_a_temporarily_refused_recipient_is_502_transient(client, smtp):
    smtp.refuse["ada@example.org"] = "450 4.2.0 Greylisted, try again later"
    body = send(client, message()).get_json()
    assert body["error"] == "smtp_rejected"
    assert body["permanent"] is False
    assert body["smtp_code"] == 450


def test_a_message_refused_at_data_is_502_permanent(client, smtp):
    smtp.data_reply = "554 5.7.1 Message rejected as spam"
    body = send(client, message()).get_json()
    assert (body["error"], body["smtp_code"], body["permanent"]) == ("smtp_rejected", 554, True)


def test_a_failed_message_is_sent_by_a_later_retry(client, smtp, records):
    smtp.refuse["ada@example.org"] = "451 4.3.0 Try again later"
    assert send(client, message()).status_code == 502
    del smtp.refuse["ada@example.org"]

    retry = send(client, message())
    assert retry.status_code == 200
    assert retry.get_json()["duplicate"] is False
    assert len(smtp.received) == 1
    assert records.records[message()["message_id"]]["attempts"] == 2


def test_no_server_listening_is_502_smtp_unavailable_and_transient(client, records):
    # relay_params points SMTP_PORT at a free port where nothing listens
    response = send(client, message())
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "smtp_unavailable"
    assert body["permanent"] is False
    assert body["message_id"] == message()["message_id"]
    assert records.records[message()["message_id"]]["status"] == "failed"
