"""The JSON envelope every queued message carries, whatever the broker.

    {"id": "...", "type": "enrollment.completed", "version": 1,
     "occurred_at": "2026-11-22T20:00:00+00:00", "correlation_id": "<request id>",
     "payload": {...}}

`id` is the outbox row's id and the broker's message_id. `version` lets a consumer accept
old and new payload shapes while producers and consumers deploy at different times.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CONTENT_TYPE = "application/json"


class MalformedMessageError(ValueError):
    """A message body that is not an envelope: retrying cannot help; it ends in the DLQ."""


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    correlation_id: str | None
    payload: dict[str, Any]

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "id": str(self.id),
                "type": self.type,
                "version": self.version,
                "occurred_at": self.occurred_at.isoformat(),
                "correlation_id": self.correlation_id,
                "payload": self.payload,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        try:
            data = json.loads(body)
            envelope = cls(
                id=uuid.UUID(data["id"]),
                type=str(data["type"]),
                version=int(data["version"]),
                occurred_at=datetime.fromisoformat(data["occurred_at"]),
                correlation_id=data.get("correlation_id"),
                payload=data["payload"],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedMessageError(f"not a message envelope: {exc}") from None
        if not isinstance(envelope.payload, dict) or envelope.occurred_at.tzinfo is None:
            raise MalformedMessageError("not a message envelope: bad payload or naive time")
        return envelope
