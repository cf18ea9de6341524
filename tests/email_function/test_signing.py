"""The signing scheme, checked against an HMAC computed here from its written description."""

from __future__ import annotations

import hashlib
import hmac

import pytest
import signing

SECRET = b"k" * 32
BODY = b'{"to": "ada@example.org"}'
NOW = 1_767_225_600


def described_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    # README: lowercase hex HMAC-SHA256(secret, ASCII timestamp + "." + raw body bytes)
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_signature_headers_follow_the_documented_scheme():
    headers = signing.signature_headers(SECRET, NOW, BODY)
    assert headers == {
        "X-LMS-Timestamp": str(NOW),
        "X-LMS-Signature": "v1=" + described_signature(SECRET, str(NOW), BODY),
    }


def test_a_fresh_signature_verifies():
    headers = signing.signature_headers(SECRET, NOW, BODY)
    signing.verify(SECRET, headers["X-LMS-Timestamp"], headers["X-LMS-Signature"], BODY, NOW + 5)


def test_upper_case_hex_verifies_too():
    value = "v1=" + described_signature(SECRET, str(NOW), BODY).upper()
    signing.verify(SECRET, str(NOW), value, BODY, NOW)


@pytest.mark.parametrize("offset", [-300, 300])
def test_timestamps_at_the_edge_of_the_window_verify(offset):
    headers = signing.signature_headers(SECRET, NOW + offset, BODY)
    signing.verify(SECRET, headers["X-LMS-Timestamp"], headers["X-LMS-Signature"], BODY, NOW)


@pytest.mark.parametrize("offset", [-301, 301])
def test_timestamps_outside_the_window_are_refused(offset):
    headers = signing.signature_headers(SECRET, NOW + offset, BODY)
    with pytest.raises(signing.SignatureError, match="300 s"):
        signing.verify(SECRET, headers["X-LMS-Timestamp"], headers["X-LMS-Signature"], BODY, NOW)


def test_a_signature_list_from_a_sender_rotating_its_secret_verifies_with_either():
    old = described_signature(b"o" * 32, str(NOW), BODY)
    new = described_signature(SECRET, str(NOW), BODY)
    signing.verify(SECRET, str(NOW), f"v1={old}, v1={new}", BODY, NOW)


def test_entries_of_another_version_are_ignored():
    value = f"v0=abc, v1={described_signature(SECRET, str(NOW), BODY)}"
    signing.verify(SECRET, str(NOW), value, BODY, NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "problem"),
    [
        (None, "v1=" + "0" * 64, "Send both"),
        (str(NOW), None, "Send both"),
        ("", "", "Send both"),
        ("1767225600.5", "v1=" + "0" * 64, "whole unix seconds"),
        ("-1", "v1=" + "0" * 64, "whole unix seconds"),
        (str(NOW), "0" * 64, "v1=<64 hex digits>"),
        (str(NOW), "v1=xyz", "v1=<64 hex digits>"),
        (str(NOW), "v1=" + "é" * 64, "v1=<64 hex digits>"),
        (str(NOW), "v1=" + "0" * 64, "does not match"),
    ],
)
def test_malformed_or_wrong_headers_are_refused_with_a_reason(timestamp, signature, problem):
    with pytest.raises(signing.SignatureError, match=problem):
        signing.verify(SECRET, timestamp, signature, BODY, NOW)


def test_the_signature_covers_the_timestamp():
    signature = "v1=" + described_signature(SECRET, str(NOW), BODY)
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(SECRET, str(NOW + 1), signature, BODY, NOW)
