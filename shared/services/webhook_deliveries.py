"""Delivering webhook events: fan-out, signed attempts, retries, disabling, the log, replay.

An event on the `webhooks` queue fans out to one delivery per active subscription that wants
it, each queued as its own `webhook.deliver` message (attempt 1). An attempt checks the URL
again (SSRF guard), signs the stored body with the subscription's secret(s) and POSTs it.
Any 2xx is delivered. A 410 disables the subscription at once. Anything else is retried by
scheduled enqueue after RETRY_DELAYS (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): after the
last one the delivery has failed and the admins are mailed. A subscription that has failed
every attempt for FAILING_LIMIT is disabled, and the admins are mailed.

No transaction is open during the POST (see `attempt_delivery`). The attempt row, the
delivery's new state and the next attempt's message then commit together with the
consumer's inbox row, so a message handled once is not POSTed again; a crash after the POST,
or two consumers holding the same message at once, repeats that POST (same webhook-id, which
receivers deduplicate on) but records it once.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from shared.domain.errors import ResourceConflictError, ResourceNotFoundError
from shared.domain.users import Role, User
from shared.domain.webhooks import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from shared.messages.base import Message
from shared.messages.commands import DeliverWebhook
from shared.messages.emails import WebhookAlertEmail
from shared.schemas.pages import Page, PageQuery
from shared.schemas.webhooks import WebhookAttemptOut, WebhookDeliveryOut
from shared.security import secret_box, webhook_signing
from shared.security.webhook_urls import Target, UnsafeUrlError, check_url
from shared.services.ids import parse_id
from shared.services.pages import fetch_page
from shared.services.webhook_posting import PostResult, post
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies
    from shared.config import Settings

log = logging.getLogger("lms.webhooks")

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
FAILING_LIMIT = timedelta(days=5)
DELIVERY_NOT_FOUND = "Webhook delivery not found"


def create_delivery(
    uow: UnitOfWork,
    subscription: WebhookSubscription,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
) -> WebhookDelivery:
    """One event for one subscription, with its first attempt queued; the caller commits."""
    body = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        subscription_id=subscription.id,
        webhook_id=webhook_signing.new_webhook_id(),
        event_type=event_type,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status=DeliveryState.PENDING.value,
        attempts=0,
        created_at=now,
    )
    uow.session.add(delivery)
    uow.publish(DeliverWebhook(delivery_id=delivery.id, attempt=1))
    return delivery


def fan_out(uow: UnitOfWork, message: Message) -> None:
    """The `webhooks` queue handler of every event: a delivery per interested subscription."""
    now = uow.clock()
    subscriptions = uow.session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.is_active.is_(True))
    ).all()
    wanting = [s for s in subscriptions if s.wants(message.type)]
    for subscription in wanting:
        create_delivery(uow, subscription, message.type, message.payload(), now)
    log.info("webhook event %s: %d deliveries queued", message.type, len(wanting))


def _signing_secrets(
    settings: Settings, subscription: WebhookSubscription, now: datetime
) -> list[str]:
    found = [secret_box.open_sealed(settings, subscription.secret_encrypted)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_encrypted and expires is not None and expires > now:
        found.append(secret_box.open_sealed(settings, subscription.previous_secret_encrypted))
    return found


@dataclass(frozen=True)
class _Outgoing:
    """One attempt's request, read from the database before the transaction ends."""

    url: str
    body: bytes
    headers: dict[str, str]


def _outgoing(
    settings: Settings, subscription: WebhookSubscription, delivery: WebhookDelivery, now: datetime
) -> _Outgoing:
    body = delivery.body.encode()
    headers = webhook_signing.headers(
        _signing_secrets(settings, subscription, now),
        delivery.webhook_id,
        int(now.timestamp()),
        body,
    )
    return _Outgoing(subscription.url, body, headers)


def guarded_target(settings: Settings, url: str) -> Target:
    """Where `url` may be delivered under these settings; UnsafeUrlError saying why not
    (https only in production; outside it, also the local receiver's loopback URL)."""
    return check_url(
        url,
        https_only=settings.is_production,
        allowed=settings.WEBHOOK_ALLOWED_HOSTS,
        local_receiver=not settings.is_production,
    )


def _send(settings: Settings, outgoing: _Outgoing) -> PostResult:
    try:
        target = guarded_target(settings, outgoing.url)
    except UnsafeUrlError as exc:
        return PostResult(None, 0, f"refused by the SSRF guard: {exc}"[:500], None)
    return post(target, outgoing.body, outgoing.headers, settings.WEBHOOK_TIMEOUT_SECONDS)


def _due(uow: UnitOfWork, message: DeliverWebhook, *, lock: bool = False) -> WebhookDelivery | None:
    """The delivery, if `message` is its next attempt; None when the attempt is stale."""
    delivery = uow.session.get(WebhookDelivery, message.delivery_id, with_for_update=lock)
    if (
        delivery is None
        or delivery.status != DeliveryState.PENDING.value
        or delivery.attempts + 1 != message.attempt
    ):
        return None
    return delivery


def attempt_delivery(uow: UnitOfWork, message: DeliverWebhook, deps: Dependencies) -> None:
    """The `webhook.deliver` handler: one POST, its log row, and what follows from it.

    No transaction is open while the receiver answers (up to WEBHOOK_TIMEOUT_SECONDS): the
    request is read, the read transaction ends, the POST goes out, and the outcome is
    recorded in a new transaction (with the consumer's inbox row) after checking that no
    other consumer recorded this attempt meanwhile. On SQLite an open transaction would
    hold the database's write lock through the POST."""
    delivery = _due(uow, message)
    if delivery is None:
        log.info("webhook attempt %d of %s is stale; skipped", message.attempt, message.delivery_id)
        return
    subscription = uow.session.get(WebhookSubscription, delivery.subscription_id)
    assert subscription is not None  # deleting a subscription deletes its deliveries
    now = uow.clock()
    active = subscription.is_active
    outgoing = _outgoing(deps.settings, subscription, delivery, now) if active else None
    uow.rollback()  # only reads so far: ends the transaction before the POST
    if outgoing is None:
        result = PostResult(None, 0, "the subscription is disabled; not sent", None)
    else:
        result = _send(deps.settings, outgoing)
    delivery = _due(uow, message, lock=True)
    if delivery is None:
        log.info(
            "webhook attempt %d of %s was recorded by another consumer",
            message.attempt,
            message.delivery_id,
        )
        return
    subscription = uow.session.get(WebhookSubscription, delivery.subscription_id)
    if subscription is None:  # deleted while the POST was out, deliveries and all
        return
    delivery.attempts = message.attempt
    uow.session.add(
        WebhookAttempt(
            id=uuid.uuid4(),
            delivery_id=delivery.id,
            subscription_id=subscription.id,
            attempt=message.attempt,
            attempted_at=now,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            error=result.error,
            response_excerpt=result.response_excerpt,
        )
    )
    if result.delivered:
        delivery.status = DeliveryState.DELIVERED.value
        delivery.finished_at = now
        subscription.failing_since = None
        return
    if not subscription.is_active:
        _finish_failed(delivery, now)
        return
    subscription.failing_since = subscription.failing_since or now
    if result.status_code == 410:
        _disable(uow, subscription, delivery, now, "The receiver answered 410 Gone")
    elif now - subscription.failing_since >= FAILING_LIMIT:
        _disable(uow, subscription, delivery, now, "Every delivery failed for 5 days")
    elif message.manual or message.attempt >= MAX_ATTEMPTS:
        _finish_failed(delivery, now)
        if not message.manual:
            _alert(uow, subscription, delivery, result.error or "failed", disabled=False)
    else:
        uow.publish(
            DeliverWebhook(delivery_id=delivery.id, attempt=message.attempt + 1),
            not_before=now + RETRY_DELAYS[message.attempt - 1],
        )


def _finish_failed(delivery: WebhookDelivery, now: datetime) -> None:
    delivery.status = DeliveryState.FAILED.value
    delivery.finished_at = now


def _disable(
    uow: UnitOfWork,
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    now: datetime,
    reason: str,
) -> None:
    subscription.is_active = False
    subscription.disabled_reason = reason
    subscription.updated_at = now
    _finish_failed(delivery, now)
    log.warning("webhook subscription %s disabled: %s", subscription.id, reason)
    _alert(uow, subscription, delivery, reason, disabled=True)


def _alert(
    uow: UnitOfWork,
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    reason: str,
    *,
    disabled: bool,
) -> None:
    """Mail every active admin."""
    admins = uow.session.scalars(
        select(User).where(User.role == Role.ADMIN.value, User.is_active.is_(True))
    ).all()
    for admin in admins:
        uow.publish(
            WebhookAlertEmail(
                to=admin.email,
                full_name=admin.full_name,
                subscription_id=subscription.id,
                url=subscription.url,
                event_type=delivery.event_type,
                webhook_id=delivery.webhook_id,
                attempts=delivery.attempts,
                reason=reason,
                subscription_disabled=disabled,
            )
        )


def delivery_log(
    uow: UnitOfWork, subscription: WebhookSubscription, query: PageQuery
) -> Page[WebhookAttemptOut]:
    """The subscription's attempts, newest first."""
    statement = (
        select(WebhookAttempt, WebhookDelivery)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookAttempt.subscription_id == subscription.id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.attempt.desc())
    )
    rows, total = fetch_page(uow.session, statement, query)
    items = [
        WebhookAttemptOut(
            id=attempt.id,
            delivery_id=delivery.id,
            event_type=delivery.event_type,
            webhook_id=delivery.webhook_id,
            attempt=attempt.attempt,
            attempted_at=attempt.attempted_at,
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            error=attempt.error,
            response_excerpt=attempt.response_excerpt,
            delivery_status=delivery.status,
        )
        for attempt, delivery in rows
    ]
    return Page[WebhookAttemptOut].of(items, total, query)


def redeliver(
    uow: UnitOfWork, subscription: WebhookSubscription, delivery_id: str
) -> WebhookDeliveryOut:
    """Send a delivery again, same body and webhook-id: one attempt, logged like the others."""
    delivery = uow.session.get(WebhookDelivery, parse_id(delivery_id, DELIVERY_NOT_FOUND))
    if delivery is None or delivery.subscription_id != subscription.id:
        raise ResourceNotFoundError(DELIVERY_NOT_FOUND)
    if not subscription.is_active:
        raise ResourceConflictError(
            "This subscription is disabled; PATCH it with active: true first"
        )
    if delivery.status == DeliveryState.PENDING.value:
        raise ResourceConflictError("This delivery is still being attempted; wait for its outcome")
    delivery.status = DeliveryState.PENDING.value
    delivery.finished_at = None
    uow.publish(DeliverWebhook(delivery_id=delivery.id, attempt=delivery.attempts + 1, manual=True))
    uow.commit()
    return WebhookDeliveryOut.model_validate(delivery, from_attributes=True)
