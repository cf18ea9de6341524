"""Webhook subscriptions (admins): create, list, read, change, delete, rotate the secret, ping,
and the catalog of the events they can subscribe to.

Every URL passes the SSRF guard (shared/security/webhook_urls.py) when it is set, and again
before each attempt. The signing secret is shown once, when made; it is stored sealed.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.config import Settings
from shared.domain.errors import ResourceConflictError, ResourceNotFoundError, RuleViolationError
from shared.domain.webhooks import WebhookSubscription
from shared.messages.catalog import WEBHOOK_EVENTS
from shared.messages.events import WebhookPing
from shared.schemas.pages import Page, PageQuery
from shared.schemas.webhooks import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryOut,
    WebhookEventCatalog,
    WebhookEventType,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)
from shared.security import secret_box, webhook_signing
from shared.security.webhook_urls import UnsafeUrlError
from shared.services.ids import parse_id
from shared.services.pages import fetch_page
from shared.services.webhook_deliveries import create_delivery, guarded_target
from shared.uow import UnitOfWork

NOT_FOUND = "Webhook subscription not found"
DISABLED = "This subscription is disabled; PATCH it with active: true first"
# After a rotation the previous secret keeps signing this long, so receivers can switch over.
ROTATION_OVERLAP = timedelta(hours=24)


def event_catalog() -> WebhookEventCatalog:
    return WebhookEventCatalog(
        events=[
            WebhookEventType(
                type=event.type,
                version=event.version,
                description=" ".join((event.__doc__ or event.type).split()),
                payload_schema=event.model_json_schema(),
            )
            for event in WEBHOOK_EVENTS
        ]
    )


def checked_url(settings: Settings, url: str) -> str:
    """`url` when the SSRF guard lets it through; 400 saying why not."""
    try:
        guarded_target(settings, url)
    except UnsafeUrlError as exc:
        raise RuleViolationError(f"Webhook URL refused: {exc}") from None
    return url.strip()


def _out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut(
        id=subscription.id,
        url=subscription.url,
        events=subscription.events,
        description=subscription.description,
        active=subscription.is_active,
        disabled_reason=subscription.disabled_reason,
        failing_since=subscription.failing_since,
        previous_secret_expires_at=subscription.previous_secret_expires_at,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def load(uow: UnitOfWork, subscription_id: str | uuid.UUID) -> WebhookSubscription:
    subscription = uow.session.get(WebhookSubscription, parse_id(subscription_id, NOT_FOUND))
    if subscription is None:
        raise ResourceNotFoundError(NOT_FOUND)
    return subscription


def create(
    uow: UnitOfWork, settings: Settings, data: WebhookCreate, *, secret: str | None = None
) -> WebhookCreated:
    """A subscription signed with a new random secret (`secret` is for the demo's, whose
    receiver derives it: shared/services/local_webhooks.py)."""
    url = checked_url(settings, data.url)
    now = uow.clock()
    secret = secret or webhook_signing.new_secret()
    subscription = WebhookSubscription(
        id=uuid.uuid4(),
        url=url,
        events=data.events,
        description=data.description,
        is_active=True,
        secret_encrypted=secret_box.seal(settings, secret),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(subscription)
    uow.commit()
    return WebhookCreated(**_out(subscription).model_dump(), secret=secret)


def list_subscriptions(uow: UnitOfWork, query: PageQuery) -> Page[WebhookOut]:
    from sqlalchemy import select

    statement = select(WebhookSubscription).order_by(
        WebhookSubscription.created_at.desc(), WebhookSubscription.id.desc()
    )
    rows, total = fetch_page(uow.session, statement, query)
    return Page[WebhookOut].of([_out(row[0]) for row in rows], total, query)


def get(uow: UnitOfWork, subscription_id: str) -> WebhookOut:
    return _out(load(uow, subscription_id))


def update(
    uow: UnitOfWork, settings: Settings, subscription_id: str, data: WebhookUpdate
) -> WebhookOut:
    subscription = load(uow, subscription_id)
    changes = data.model_dump(exclude_unset=True)
    if any(changes.get(name, "") is None for name in ("url", "events", "active")):
        raise RuleViolationError("url, events and active cannot be null; leave them out instead")
    if "url" in changes:
        subscription.url = checked_url(settings, changes["url"])
    if "events" in changes:
        subscription.events = changes["events"]
    if "description" in changes:
        subscription.description = changes["description"]
    if "active" in changes and changes["active"] != subscription.is_active:
        subscription.is_active = changes["active"]
        subscription.disabled_reason = None if changes["active"] else "Disabled by an admin"
        subscription.failing_since = None
    subscription.updated_at = uow.clock()
    uow.commit()
    return _out(subscription)


def delete(uow: UnitOfWork, subscription_id: str) -> None:
    """The subscription, its deliveries and their log (queued attempts find nothing)."""
    from sqlalchemy import delete as delete_rows

    subscription = load(uow, subscription_id)
    uow.session.execute(
        delete_rows(WebhookSubscription).where(WebhookSubscription.id == subscription.id)
    )
    uow.commit()


def rotate_secret(uow: UnitOfWork, settings: Settings, subscription_id: str) -> WebhookSecretOut:
    """A new secret; the current one keeps signing beside it for 24 hours."""
    subscription = load(uow, subscription_id)
    now = uow.clock()
    secret = webhook_signing.new_secret()
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.previous_secret_expires_at = now + ROTATION_OVERLAP
    subscription.secret_encrypted = secret_box.seal(settings, secret)
    subscription.updated_at = now
    uow.commit()
    return WebhookSecretOut(secret=secret, previous_secret_expires_at=now + ROTATION_OVERLAP)


def ping(uow: UnitOfWork, subscription_id: str) -> WebhookDeliveryOut:
    """Queue a webhook.ping for this subscription alone."""
    subscription = load(uow, subscription_id)
    if not subscription.is_active:
        raise ResourceConflictError(DISABLED)
    event = WebhookPing(subscription_id=subscription.id)
    delivery = create_delivery(uow, subscription, event.type, event.payload(), uow.clock())
    uow.commit()
    return WebhookDeliveryOut.model_validate(delivery, from_attributes=True)
