"""/api/v1/webhooks: subscriptions, the event catalog, and the delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from shared.schemas.base import Schema

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _event_list(value: list[str]) -> list[str]:
    from shared.messages.catalog import WEBHOOK_EVENT_TYPES

    unique = list(dict.fromkeys(value))
    if "*" in unique and len(unique) > 1:
        raise ValueError('"*" stands for every event: send it alone')
    unknown = [name for name in unique if name != "*" and name not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise ValueError(
            f'unknown event types {unknown}; GET /api/v1/webhooks/events lists them, or send ["*"]'
        )
    return unique


class WebhookCreate(Schema):
    url: Url
    events: list[str] = Field(min_length=1, max_length=20)
    description: Description | None = None

    _events = field_validator("events")(_event_list)


class WebhookUpdate(Schema):
    url: Url | None = None
    events: list[str] | None = Field(default=None, min_length=1, max_length=20)
    description: Description | None = None
    active: bool | None = None

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _event_list(value)


class WebhookOut(Schema):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    active: bool
    disabled_reason: str | None  # why it was disabled: 410 Gone, 5 days of failures, an admin
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None  # the old secret signs too until then
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str  # whsec_...: shown here once, never again


class WebhookSecretOut(Schema):
    secret: str  # the new whsec_... secret, shown once
    previous_secret_expires_at: datetime


class WebhookEventType(Schema):
    type: str
    version: int
    description: str
    payload_schema: dict[str, Any]  # JSON Schema of `data`


class WebhookEventCatalog(Schema):
    events: list[WebhookEventType]


class WebhookDeliveryOut(Schema):
    """A delivery (one event for one subscription) queued for an attempt."""

    id: uuid.UUID
    webhook_id: str
    event_type: str
    status: str  # pending, delivered, failed
    attempts: int
    created_at: datetime


class WebhookAttemptOut(Schema):
    """One POST of the delivery log."""

    id: uuid.UUID
    delivery_id: uuid.UUID
    event_type: str
    webhook_id: str
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int | None
    error: str | None
    response_excerpt: str | None  # the first KB of the receiver's answer
    delivery_status: str  # where the delivery stands now: pending, delivered, failed
