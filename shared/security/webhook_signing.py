"""Standard Webhooks signatures (https://www.standardwebhooks.com).

A secret is `whsec_` + base64 of 32 random bytes; the HMAC key is those bytes. A request
carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`: one or more
`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated, one per secret that signs
(the new and the previous one for a day after a rotation).

`verify` is the subscriber's side, as the Standard Webhooks libraries do it: the timestamp
within 5 minutes of now (a replayed request is refused later than that), then any of the
signatures matching, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Mapping

PREFIX = "whsec_"
HEADER_NAMES = ("webhook-id", "webhook-timestamp", "webhook-signature")
TOLERANCE_SECONDS = 5 * 60


class SignatureMismatchError(ValueError):
    """A request whose Standard Webhooks headers do not verify; the message says why."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_: Iterable[str], webhook_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt, signed with each secret."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, webhook_id, timestamp, body) for secret in secrets_
        ),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: int) -> str:
    """The request's webhook-id when one of its signatures is `secret`'s for this body and its
    timestamp is within TOLERANCE_SECONDS of `now`; SignatureMismatchError otherwise.
    `headers` have lower-case names."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signatures):
        raise SignatureMismatchError(
            "send the webhook-id, webhook-timestamp and webhook-signature headers"
        )
    if (
        not (timestamp.isascii() and timestamp.isdigit())
        or abs(now - int(timestamp)) > TOLERANCE_SECONDS
    ):
        raise SignatureMismatchError(
            f"webhook-timestamp must be Unix seconds within {TOLERANCE_SECONDS} s of now"
        )
    expected = signature(secret, webhook_id, int(timestamp), body).encode()
    if not any(hmac.compare_digest(given.encode(), expected) for given in signatures.split()):
        raise SignatureMismatchError(
            "no signature in webhook-signature matches this body under the receiver's secret"
        )
    return webhook_id
