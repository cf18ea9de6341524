"""The `<queue>/$management` node: the request/response operations the SDK needs.

Requests carry the operation in the `operation` application property and their arguments in
an AMQP map body; responses carry `statusCode`/`statusDescription` (camel case here, unlike
`$cbs`) and, on failure, `errorCondition`, which the SDK maps to its exception classes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from proton import UNDESCRIBED, Array, Data, Message, int32, symbol, timestamp

from .codec import DecodedMessage
from .namespace import EntityNotFoundError, Namespace, enqueue_encoded
from .queues import DeadLetterNotAllowedError, LockLostError, MessageQueue
from .rendering import outgoing_bytes

SCHEDULE_MESSAGE = "com.microsoft:schedule-message"
CANCEL_SCHEDULED_MESSAGE = "com.microsoft:cancel-scheduled-message"
RENEW_LOCK = "com.microsoft:renew-lock"
PEEK_MESSAGE = "com.microsoft:peek-message"
UPDATE_DISPOSITION = "com.microsoft:update-disposition"

Body = dict[str, Any]


class _NoContentError(Exception):
    """The operation succeeded with nothing to return (a peek past the last message)."""


def answer(
    namespace: Namespace, node_address: str | None, request: DecodedMessage, now: float
) -> Message:
    """The response to one management request addressed to `node_address`."""
    operation = str(request.application_properties.get("operation"))
    handler = _OPERATIONS.get(operation)
    if handler is None:
        return _response(
            request, 501, f"The test broker does not implement {operation}.", "amqp:not-implemented"
        )
    try:
        queue = namespace.queue(node_address)
        return _response(request, 200, "OK", body=handler(queue, request.body or {}, now))
    except _NoContentError:
        return _response(request, 204, "No messages.")
    except EntityNotFoundError as error:
        return _response(request, 404, str(error), "amqp:not-found")
    except LockLostError as error:
        return _response(request, 410, str(error), "com.microsoft:message-lock-lost")
    except (DeadLetterNotAllowedError, KeyError, TypeError, ValueError) as error:
        return _response(
            request, 400, f"Bad {operation} request: {error}", "com.microsoft:argument-error"
        )


def _schedule_message(queue: MessageQueue, body: Body, now: float) -> Body:
    # Each entry is a whole encoded message whose x-opt-scheduled-enqueue-time says when.
    numbers = [
        enqueue_encoded(queue, bytes(entry["message"]), now).sequence_number
        for entry in _items(body["messages"])
    ]
    return {"sequence-numbers": Array(UNDESCRIBED, Data.LONG, *numbers)}


def _cancel_scheduled_message(queue: MessageQueue, body: Body, now: float) -> Body:
    queue.cancel_scheduled([int(n) for n in _items(body["sequence-numbers"])], now)
    return {}


def _renew_lock(queue: MessageQueue, body: Body, now: float) -> Body:
    expirations = [
        timestamp(int(queue.renew_lock(_lock_token(token), now) * 1000))
        for token in _items(body["lock-tokens"])
    ]
    return {"expirations": Array(UNDESCRIBED, Data.TIMESTAMP, *expirations)}


def _peek_message(queue: MessageQueue, body: Body, now: float) -> Body:
    found = queue.peek(int(body["from-sequence-number"]), int(body["message-count"]))
    if not found:
        raise _NoContentError
    return {"messages": [{"message": outgoing_bytes(message)} for message in found]}


def _update_disposition(queue: MessageQueue, body: Body, now: float) -> Body:
    """Settlement by lock token, the SDK's fallback when the receive link is gone."""
    status = body["disposition-status"]
    for token in map(_lock_token, _items(body["lock-tokens"])):
        if status == "completed":
            queue.complete(token)
        elif status == "abandoned":
            queue.abandon(token, now)
        elif status == "suspended":
            queue.dead_letter(
                token,
                now,
                reason=body.get("deadletter-reason"),
                description=body.get("deadletter-description"),
            )
        else:
            raise ValueError(f"disposition-status {status!r} is not supported (defer is not)")
    return {}


_OPERATIONS: dict[str, Callable[[MessageQueue, Body, float], Body]] = {
    SCHEDULE_MESSAGE: _schedule_message,
    CANCEL_SCHEDULED_MESSAGE: _cancel_scheduled_message,
    RENEW_LOCK: _renew_lock,
    PEEK_MESSAGE: _peek_message,
    UPDATE_DISPOSITION: _update_disposition,
}


def _items(value: Any) -> list[Any]:
    # proton decodes an AMQP array as `Array` and a list as `list`; the SDK sends both.
    return list(value.elements) if isinstance(value, Array) else list(value)


def _lock_token(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _response(
    request: DecodedMessage,
    status_code: int,
    description: str,
    error_condition: str | None = None,
    body: Body | None = None,
) -> Message:
    properties: dict[str, Any] = {
        "statusCode": int32(status_code),
        "statusDescription": description,
    }
    if error_condition is not None:
        properties["errorCondition"] = symbol(error_condition)
    return Message(correlation_id=request.message_id, properties=properties, body=body)
