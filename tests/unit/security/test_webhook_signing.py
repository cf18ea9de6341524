"""The subscriber's check of a Standard Webhooks request (webhook_signing.verify): what it
accepts, and every malformed header it refuses with SignatureMismatchError, never another
exception."""

from __future__ import annotations

import pytest

from shared.security import webhook_signing

BODY = b'{"type":"webhook.ping","data":{}}'
NOW = 1_800_000_000


def signed(secret: str, timestamp: int = NOW) -> dict[str, str]:
    return webhook_signing.headers([secret], "msg_1", timestamp, BODY)


def test_a_request_signed_with_the_secret_verifies() -> None:
    secret = webhook_signing.new_secret()

    assert webhook_signing.verify(secret, signed(secret), BODY, now=NOW + 60) == "msg_1"


@pytest.mark.parametrize(
    "change",
    [
        {"webhook-id": ""},
        {"webhook-timestamp": ""},
        {"webhook-timestamp": "\u00b2"},  # a digit to str.isdigit, not to int()
        {"webhook-timestamp": "-5"},
        {"webhook-timestamp": str(NOW - 301)},
        {"webhook-signature": "v1,\u00ff\u00fe"},
        {"webhook-signature": "v1,AAAA"},
    ],
)
def test_a_malformed_or_wrong_header_is_a_mismatch(change: dict[str, str]) -> None:
    secret = webhook_signing.new_secret()

    with pytest.raises(webhook_signing.SignatureMismatchError):
        webhook_signing.verify(secret, {**signed(secret), **change}, BODY, now=NOW)


def test_another_body_is_a_mismatch() -> None:
    secret = webhook_signing.new_secret()

    with pytest.raises(webhook_signing.SignatureMismatchError):
        webhook_signing.verify(secret, signed(secret), BODY + b" ", now=NOW)
