"""How a caller proves it may ask sendEmail to send: an HMAC over the timestamp and the body.

The scheme, exactly (the backend's Firebase mail transport produces it):

    secret     = SEND_EMAIL_SIGNING_SECRET, as UTF-8 bytes (the same value on both sides)
    timestamp  = the current time in whole unix seconds, as decimal ASCII digits ("1767225600")
    signed     = timestamp.encode("ascii") + b"." + raw_body
                 (raw_body: the exact bytes of the HTTP request body, sent unchanged)
    signature  = HMAC-SHA256(secret, signed), as lowercase hex (64 characters)

    X-LMS-Timestamp: <timestamp>
    X-LMS-Signature: v1=<signature>

The receiver recomputes the HMAC over the bytes it received, compares in constant time, and
accepts only timestamps within 300 seconds of its own clock (either side), so a captured request
cannot be replayed later. A replay inside the window carries the same message_id, which the
delivery log answers without sending again. `X-LMS-Signature` may list several comma-separated
`v1=` entries (a sender rotating its secret signs with both); entries of another version are
ignored. Serialise the JSON once and sign and send those same bytes: re-serialising changes the
bytes and breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re

TIMESTAMP_HEADER = "X-LMS-Timestamp"
SIGNATURE_HEADER = "X-LMS-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


class SignatureError(Exception):
    """The request is not signed by a holder of the secret, or not recently."""


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The lowercase hex HMAC-SHA256 of `timestamp + "." + body`."""
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_headers(secret: bytes, timestamp: int, body: bytes) -> dict[str, str]:
    """The two headers a caller adds to a request carrying `body`."""
    stamp = str(timestamp)
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: f"{SCHEME}={signature(secret, stamp, body)}",
    }


def verify(
    secret: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
) -> None:
    """Return when the headers sign `body` with `secret` at a time close to `now`; else raise."""
    if not timestamp_header or not signature_header:
        raise SignatureError(
            f"Send both {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}; see the signing scheme in "
            "functions_email/README.md."
        )
    if not _TIMESTAMP.fullmatch(timestamp_header):
        raise SignatureError(f"{TIMESTAMP_HEADER} must be whole unix seconds.")
    entries = (part.strip().partition("=") for part in signature_header.split(","))
    candidates = [value.strip() for scheme, _, value in entries if scheme == SCHEME]
    if not candidates or not all(_HEX_DIGEST.fullmatch(value) for value in candidates):
        raise SignatureError(f"{SIGNATURE_HEADER} must be {SCHEME}=<64 hex digits>.")
    expected = signature(secret, timestamp_header, body)
    # compare_digest on every candidate, no early exit: timing says nothing about which matched.
    matched = [hmac.compare_digest(expected, value.lower()) for value in candidates]
    if not any(matched):
        raise SignatureError("The signature does not match the body; check the shared secret.")
    if abs(now - int(timestamp_header)) > TOLERANCE_SECONDS:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS} s from the server's clock; "
            "sign each request when it is sent, and check the sender's clock."
        )
