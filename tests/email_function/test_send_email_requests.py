"""sendEmail refuses what it must, called in a Flask request context as Firebase calls it."""

from __future__ import annotations

import json
import time

import flask
import main
import pytest

from .conftest import message, signed

APP = flask.Flask(__name__)


def call(data=b"", headers=None, method="POST", clock=None):
    with APP.test_request_context("/", method=method, data=data, headers=headers or {}):
        if clock is None:
            return main.sendEmail(flask.request)
        return main.send_email(flask.request, main.delivery_log.process_delivery_log, clock)


def post(body, **signing_options):
    data, headers = signed(body, **signing_options)
    return call(data, headers)


def cors_headers(response) -> list[str]:
    return [name for name, _ in response.headers.items() if name.lower().startswith("access-")]


def problem_fields(response) -> list[str]:
    return [error["field"] for error in response.get_json()["errors"]]


# --- HTTP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS", "HEAD"])
def test_any_method_but_post_is_refused_with_405_and_allow_post(method):
    response = call(method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_cors_preflight_gets_no_cors_headers():
    response = call(
        method="OPTIONS",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 405
    assert cors_headers(response) == []


def test_a_signed_post_from_a_browser_origin_gets_no_cors_headers(smtp):
    data, headers = signed(message())
    response = call(data, {**headers, "Origin": "https://lms.example"})
    assert response.status_code == 200
    assert cors_headers(response) == []


def test_a_form_body_is_refused_with_415():
    response = call(b"to=a@b.org", {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"


def test_a_body_over_256_kb_is_refused_with_413_before_anything_else():
    response = call(b"{" + b" " * (256 * 1024) + b"}", {"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_json_charset_parameter_is_accepted(smtp):
    data, headers = signed(message())
    response = call(data, {**headers, "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_answers_are_json_and_never_cached():
    response = call(b"{}", {"Content-Type": "application/json"})
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert set(response.get_json()) >= {"error", "detail"}


# --- Authentication -------------------------------------------------------------------------


def test_a_request_without_signature_headers_is_refused_with_401(smtp):
    response = call(json.dumps(message()).encode(), {"Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert "X-LMS-Signature" in response.get_json()["detail"]
    assert smtp.received == []


def test_a_request_signed_with_another_secret_is_refused(smtp):
    response = post(message(), secret="another-secret-of-thirty-two-bytes!!")
    assert response.status_code == 401
    assert "does not match" in response.get_json()["detail"]
    assert smtp.received == []


def test_a_body_changed_after_signing_is_refused(smtp):
    data, headers = signed(message())
    response = call(data.replace(b"ada@example.org", b"eve@example.org"), headers)
    assert response.status_code == 401
    assert smtp.received == []


def test_a_stale_timestamp_is_refused(smtp):
    response = post(message(), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert "300 s" in response.get_json()["detail"]
    assert smtp.received == []


def test_a_timestamp_too_far_in_the_future_is_refused(smtp):
    response = post(message(), timestamp=int(time.time()) + 301)
    assert response.status_code == 401


def test_a_captured_request_replayed_after_the_window_is_refused(smtp):
    signed_at = 1_767_225_600
    data, headers = signed(message(message_id="replayed-later"), timestamp=signed_at)
    assert call(data, headers, clock=lambda: signed_at + 2).status_code == 200
    replay = call(data, headers, clock=lambda: signed_at + 301)
    assert replay.status_code == 401
    assert len(smtp.received) == 1


def test_a_relay_without_its_signing_secret_refuses_every_request(monkeypatch, smtp):
    monkeypatch.setenv("SEND_EMAIL_SIGNING_SECRET", "")
    response = post(message(), secret="")
    assert response.status_code == 503
    assert response.get_json()["error"] == "relay_misconfigured"
    assert "SEND_EMAIL_SIGNING_SECRET" in response.get_json()["detail"]
    assert smtp.received == []


def test_a_relay_with_a_short_signing_secret_refuses_every_request(monkeypatch):
    monkeypatch.setenv("SEND_EMAIL_SIGNING_SECRET", "short")
    assert post(message(), secret="short").status_code == 503


# --- Validation -----------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_refused_with_400():
    response = post(b"{not json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_a_json_object_with_a_repeated_key_is_refused():
    response = post(b'{"to": "ada@example.org", "to": "eve@example.org"}')
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_a_json_array_is_refused_naming_the_body():
    response = post(b"[]")
    assert response.status_code == 400
    assert problem_fields(response) == ["body"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to": ...}, "to"),
        ({"to": []}, "to"),
        ({"to": 42}, "to"),
        ({"to": [f"user{n}@example.org" for n in range(11)]}, "to"),
        ({"to": "not-an-address"}, "to"),
        ({"to": "Ada <ada@example.org>"}, "to"),
        ({"to": "ada@localhost"}, "to"),
        ({"to": "ada@example.org\r\nBcc: everyone@example.net"}, "to"),
        ({"to": ["ada@example.org", "bob@example.org\nBcc: x@example.net"]}, "to[1]"),
        ({"to": ["ada@example.org", 7]}, "to[1]"),
        ({"subject": ...}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "Hello\r\nBcc: everyone@example.net"}, "subject"),
        ({"subject": "Hello\nX-Injected: 1"}, "subject"),
        ({"subject": "Bell\x07"}, "subject"),
        ({"subject": "\ud800"}, "subject"),
        ({"text": ...}, "text"),
        ({"text": ""}, "text"),
        ({"text": ["a"]}, "text"),
        ({"text": "x" * (100 * 1024 + 1)}, "text"),
        ({"text": "caf\ud800"}, "text"),
        ({"html": 1}, "html"),
        ({"reply_to": "help desk"}, "reply_to"),
        ({"reply_to": ["help@lms.example"]}, "reply_to"),
        ({"reply_to": "help@lms.example\r\nBcc: everyone@example.net"}, "reply_to"),
        ({"message_id": ...}, "message_id"),
        ({"message_id": ""}, "message_id"),
        ({"message_id": "x" * 129}, "message_id"),
        ({"message_id": "a/b"}, "message_id"),
        ({"message_id": "a b"}, "message_id"),
        ({"message_id": 12}, "message_id"),
        ({"cc": "eve@example.net"}, "cc"),
        ({"bcc": "eve@example.net"}, "bcc"),
        ({"from": "ceo@bank.example"}, "from"),
        ({"body": "the reference's field name"}, "body"),
        ({"headers": {"X-Evil": "1"}}, "headers"),
    ],
)
def test_each_invalid_field_is_refused_with_400_naming_it(overrides, field, smtp):
    response = post(message(**overrides))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "invalid_request"
    assert problem_fields(response) == [field]
    assert smtp.received == []


def test_every_problem_of_a_request_is_named_at_once():
    response = post({"to": "nobody", "subject": "", "text": "", "message_id": "?", "x": 1})
    assert response.status_code == 400
    assert sorted(problem_fields(response)) == ["message_id", "subject", "text", "to", "x"]


def test_a_from_field_is_refused_because_the_sender_is_fixed():
    response = post(message(**{"from": "ceo@bank.example"}))
    assert "MAIL_FROM" in response.get_json()["errors"][0]["message"]


def test_optional_fields_may_be_null(smtp):
    response = post(message(html=None, reply_to=None))
    assert response.status_code == 200


def test_ten_recipients_are_accepted(smtp):
    response = post(message(to=[f"user{n}@example.org" for n in range(10)]))
    assert response.status_code == 200
    assert len(smtp.received[0].rcpt_tos) == 10


# --- Not an open relay ----------------------------------------------------------------------


def test_a_recipient_outside_the_allowed_domains_is_refused_with_403(monkeypatch, smtp):
    monkeypatch.setenv("ALLOWED_RECIPIENT_DOMAINS", "lms.example, example.org")
    response = post(message(to=["ada@example.org", "eve@elsewhere.net"]))
    assert response.status_code == 403
    assert response.get_json()["error"] == "recipient_not_allowed"
    assert response.get_json()["recipients"] == ["eve@elsewhere.net"]
    assert smtp.received == []


def test_allowed_domains_match_whatever_the_case(monkeypatch, smtp):
    monkeypatch.setenv("ALLOWED_RECIPIENT_DOMAINS", "Example.ORG")
    assert post(message(to="Ada@EXAMPLE.org")).status_code == 200


def test_allowed_domains_do_not_include_their_subdomains(monkeypatch, smtp):
    monkeypatch.setenv("ALLOWED_RECIPIENT_DOMAINS", "example.org")
    assert post(message(to="ada@mail.example.org")).status_code == 403


# --- Configuration and the delivery log -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("MAIL_FROM", "", "MAIL_FROM"),
        ("MAIL_FROM", "no address here", "MAIL_FROM"),
        ("SMTP_HOST", "", "SMTP_HOST"),
        ("SMTP_SECURITY", "tls", "SMTP_SECURITY"),
        ("SMTP_PORT", "smtp", "SMTP_PORT"),
        ("SMTP_PORT", "70000", "SMTP_PORT"),
        ("SMTP_USERNAME", "relay-user", "in clear"),
    ],
)
def test_a_misconfigured_relay_answers_503_naming_the_param(monkeypatch, name, value, named):
    monkeypatch.setenv(name, value)
    response = post(message())
    assert response.status_code == 503
    assert response.get_json()["permanent"] is False
    assert named in response.get_json()["detail"]


def test_an_unreachable_delivery_log_answers_503_and_sends_nothing(smtp, records, monkeypatch):
    def unreachable(*args):
        raise ConnectionError("firestore down")

    monkeypatch.setattr(records, "claim", unreachable)
    response = post(message())
    assert response.status_code == 503
    assert response.get_json()["error"] == "delivery_log_unavailable"
    assert response.headers["Retry-After"]
    assert smtp.received == []


def test_the_undecorated_handler_is_the_one_firebase_wraps():
    # firebase_functions keeps the plain function as __wrapped__ and tags the wrapper for deploy.
    assert main.sendEmail.__wrapped__.__name__ == "sendEmail"
    assert main.sendEmail.__firebase_endpoint__.entryPoint == "sendEmail"


def test_an_unexpected_error_while_sending_frees_the_claim_for_a_retry(monkeypatch, records):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(main, "deliver", broken)
    with pytest.raises(RuntimeError):
        post(message())
    assert records.records[message()["message_id"]]["status"] == "failed"


def test_a_failed_delivery_is_logged_without_the_recipients(smtp, caplog):
    smtp.refuse["ada@example.org"] = "550 5.1.1 No such user"
    with caplog.at_level("INFO", logger="sendEmail"):
        assert post(message()).status_code == 502
    assert "smtp_rejected 550" in caplog.text
    assert "ada@example.org" not in caplog.text
