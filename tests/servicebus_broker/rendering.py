"""How a queued message looks when the broker hands it out (to a receiver, or in a peek).

These are the annotations and properties the SDK reads back: `x-opt-sequence-number`,
`x-opt-enqueued-time` and `x-opt-locked-until` (message annotations), `x-opt-lock-token`
(delivery annotation; the SDK prefers the delivery tag), the delivery count in the header, and
`DeadLetterReason` / `DeadLetterErrorDescription` application properties on dead letters.
"""

from __future__ import annotations

from typing import Any

from proton import timestamp

from . import codec
from .queues import QueuedMessage

DEAD_LETTER_REASON = "DeadLetterReason"
DEAD_LETTER_ERROR_DESCRIPTION = "DeadLetterErrorDescription"


def delivery_tag(message: QueuedMessage) -> bytes:
    """The SDK reads the lock token as `uuid.UUID(bytes_le=delivery_tag)`."""
    assert message.lock_token is not None
    return message.lock_token.bytes_le


def outgoing_bytes(message: QueuedMessage) -> bytes:
    annotations: dict[str, Any] = {
        "x-opt-sequence-number": message.sequence_number,
        "x-opt-enqueued-time": _timestamp(message.enqueued_at),
    }
    delivery_annotations: dict[str, Any] = {}
    if message.locked_until is not None and message.lock_token is not None:
        annotations["x-opt-locked-until"] = _timestamp(message.locked_until)
        delivery_annotations["x-opt-lock-token"] = message.lock_token
    if message.dead_letter_source is not None:
        annotations["x-opt-deadletter-source"] = message.dead_letter_source
    return codec.rewrite(
        message.encoded,
        delivery_count=message.delivery_count,
        delivery_annotations=delivery_annotations,
        message_annotations=annotations,
        application_properties=_dead_letter_properties(message),
    )


def _dead_letter_properties(message: QueuedMessage) -> dict[str, str] | None:
    if message.dead_letter_source is None:
        return None
    properties = {}
    if message.dead_letter_reason is not None:
        properties[DEAD_LETTER_REASON] = message.dead_letter_reason
    if message.dead_letter_error_description is not None:
        properties[DEAD_LETTER_ERROR_DESCRIPTION] = message.dead_letter_error_description
    return properties


def _timestamp(seconds: float) -> timestamp:
    return timestamp(int(seconds * 1000))
