"""Claims-based security: the `$cbs` node where the SDK puts its SAS token before attaching.

The SDK waits for a response on its `$cbs` receiver link carrying `status-code` 2xx (it reads
the hyphenated names here, unlike the `$management` node's `statusCode`) and the request's
message id as correlation id. Tokens are accepted without checking the signature: the broker
is a test double for the messaging semantics, not for authorisation.
"""

from __future__ import annotations

from proton import Message, int32

from .codec import DecodedMessage

CBS_NODE = "$cbs"
PUT_TOKEN = "put-token"


def answer(request: DecodedMessage) -> Message:
    """The response to one request on `$cbs`."""
    operation = request.application_properties.get("operation")
    if operation != PUT_TOKEN:
        return _response(request, 400, f"Unsupported $cbs operation {operation!r}.")
    return _response(request, 202, "Accepted")


def _response(request: DecodedMessage, status_code: int, description: str) -> Message:
    return Message(
        correlation_id=request.message_id,
        properties={"status-code": int32(status_code), "status-description": description},
    )
