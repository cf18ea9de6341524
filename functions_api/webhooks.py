"""/api/v1/webhooks (admins): subscriptions, the event catalog, the delivery log, replay."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import ADMIN_SETUP_COMPLETE, Router
from shared.schemas.pages import Page, PageQuery
from shared.schemas.webhooks import (
    WebhookAttemptOut,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryOut,
    WebhookEventCatalog,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)
from shared.services import webhook_deliveries, webhooks
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/webhooks", access=ADMIN_SETUP_COMPLETE)

SUBSCRIPTION = "{webhook_id:guid}"


@api.get("events")
def webhooks_events() -> WebhookEventCatalog:
    """Every event type subscribers can receive, with its version and payload schema."""
    return webhooks.event_catalog()


@api.post(status=201)
def webhooks_create(body: WebhookCreate, uow: UnitOfWork, deps: Dependencies) -> WebhookCreated:
    """Subscribe a URL to events; the answer shows the signing secret, once."""
    return webhooks.create(uow, deps.settings, body)


@api.get()
def webhooks_list(query: PageQuery, uow: UnitOfWork) -> Page[WebhookOut]:
    """Every subscription, newest first."""
    return webhooks.list_subscriptions(uow, query)


@api.get(SUBSCRIPTION)
def webhooks_get(webhook_id: str, uow: UnitOfWork) -> WebhookOut:
    """One subscription (without its secret)."""
    return webhooks.get(uow, webhook_id)


@api.patch(SUBSCRIPTION)
def webhooks_update(
    webhook_id: str, body: WebhookUpdate, uow: UnitOfWork, deps: Dependencies
) -> WebhookOut:
    """Change the URL, events, description, or switch the subscription on or off."""
    return webhooks.update(uow, deps.settings, webhook_id, body)


@api.delete(SUBSCRIPTION, status=204)
def webhooks_delete(webhook_id: str, uow: UnitOfWork) -> None:
    """Delete the subscription with its deliveries and their log."""
    webhooks.delete(uow, webhook_id)


@api.post(SUBSCRIPTION + "/rotate-secret")
def webhooks_rotate_secret(
    webhook_id: str, uow: UnitOfWork, deps: Dependencies
) -> WebhookSecretOut:
    """A new signing secret (shown once); the old one keeps signing beside it for 24 hours."""
    return webhooks.rotate_secret(uow, deps.settings, webhook_id)


@api.post(SUBSCRIPTION + "/ping", status=202)
def webhooks_ping(webhook_id: str, uow: UnitOfWork) -> WebhookDeliveryOut:
    """Queue a webhook.ping event to this subscription."""
    return webhooks.ping(uow, webhook_id)


@api.get(SUBSCRIPTION + "/deliveries")
def webhooks_deliveries(
    webhook_id: str, query: PageQuery, uow: UnitOfWork
) -> Page[WebhookAttemptOut]:
    """The delivery log: each attempt, newest first."""
    return webhook_deliveries.delivery_log(uow, webhooks.load(uow, webhook_id), query)


@api.post(SUBSCRIPTION + "/deliveries/{delivery_id:guid}/redeliver", status=202)
def webhooks_redeliver(webhook_id: str, delivery_id: str, uow: UnitOfWork) -> WebhookDeliveryOut:
    """Send a finished delivery again (same body and webhook-id), one attempt."""
    return webhook_deliveries.redeliver(uow, webhooks.load(uow, webhook_id), delivery_id)
