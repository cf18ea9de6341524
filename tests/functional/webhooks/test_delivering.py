"""Events reach a real receiver on 127.0.0.1: signed (checked with the standardwebhooks
package, an independent implementation), retried on the schedule with the same webhook-id,
failed for good with the admins mailed, and subscriptions disabled by a 410 or 5 days of
failures."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.domain.queue_messages import QueuedMessage
from shared.domain.webhooks import WebhookSubscription
from shared.services.webhook_deliveries import MAX_ATTEMPTS, RETRY_DELAYS
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.certificates.calls import delivered_mail, text_of
from tests.functional.webhooks.calls import (
    admin_token,
    call,
    deliveries,
    delivery_rows,
    publish_completion,
    run_webhooks,
    subscribe,
    subscription_row,
)
from tests.functional.webhooks.receiver import Receiver
from tests.unit_of_work import idle_transactions, unit_of_work

pytestmark = pytest.mark.usefixtures("database_url", "allow_local")


def _verify(secret: str, received: object) -> dict[str, object]:
    headers = received.headers  # type: ignore[attr-defined]
    verified: dict[str, object] = Webhook(secret).verify(received.body, headers)  # type: ignore[attr-defined]
    return verified


def _scheduled_webhook_delays(now_clock: ManualClock) -> list[timedelta]:
    with unit_of_work() as uow:
        rows = uow.session.scalars(
            select(QueuedMessage).where(
                QueuedMessage.queue == "webhooks", QueuedMessage.visible_at > now_clock.now
            )
        ).all()
        return [row.visible_at - now_clock.now for row in rows]


def test_an_event_arrives_signed_in_the_standard_webhooks_shape() -> None:
    token = admin_token()
    with Receiver([200]) as receiver:
        created = subscribe(token, receiver.url, ["enrollment.completed"])
        # The receiver verifies with the same settings (a real clock): no test clock here.
        payload = publish_completion()
        run_webhooks()

    [received] = receiver.requests
    assert received.path == "/hooks/lms?source=tests"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-id"].startswith("msg_")
    body = _verify(created["secret"], received)
    assert body["type"] == "enrollment.completed"
    assert body["data"] == payload
    assert "timestamp" in body
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)
    [row] = deliveries(token, created["id"])["items"]
    assert row["status_code"] == 200
    assert row["attempt"] == 1
    assert row["delivery_status"] == "delivered"
    assert row["webhook_id"] == received.headers["webhook-id"]
    assert row["response_excerpt"] == '{"ok": true}'


def test_no_transaction_is_open_while_the_receiver_answers() -> None:
    """The app writes while a POST waits for its answer (on SQLite an open transaction would
    hold the write lock until the POST timed out), and on PostgreSQL no connection sits idle
    in a transaction meanwhile."""
    token = admin_token()
    seen: dict[str, object] = {}

    def while_posting() -> None:
        with unit_of_work() as uow:
            subscription = uow.session.scalars(select(WebhookSubscription)).one()
            subscription.description = "edited while a POST was out"
            uow.commit()
            seen["idle_in_transaction"] = idle_transactions(uow)
        seen["written"] = True

    with Receiver([200], during=while_posting) as receiver:
        created = subscribe(token, receiver.url, ["enrollment.completed"])
        publish_completion()
        run_webhooks()

    assert seen["written"] is True
    assert seen.get("idle_in_transaction", 0) == 0
    [row] = deliveries(token, created["id"])["items"]
    assert (row["status_code"], row["delivery_status"]) == (200, "delivered")
    assert subscription_row(created["id"]).description == "edited while a POST was out"


def test_an_event_no_subscription_wants_is_not_delivered() -> None:
    token = admin_token()
    with Receiver([200]) as receiver:
        subscribe(token, receiver.url, ["course.published"])
        publish_completion()
        run_webhooks()
    assert receiver.requests == []
    assert delivery_rows() == []


def test_a_failed_attempt_is_retried_after_5_seconds_with_the_same_webhook_id(
    local_clock: ManualClock,
) -> None:
    token = admin_token()
    with Receiver([500, 200]) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
        assert len(receiver.requests) == 1
        assert _scheduled_webhook_delays(local_clock) == [timedelta(seconds=5)]
        local_clock.advance(seconds=4)
        run_webhooks()
        assert len(receiver.requests) == 1  # not before its time
        local_clock.advance(seconds=1)
        run_webhooks()
        run_webhooks()

    first, second = receiver.requests
    assert [first.status, second.status] == [500, 200]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) == int(first.headers["webhook-timestamp"]) + 5
    [delivery] = delivery_rows()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    log = deliveries(token, created["id"])
    assert [(r["attempt"], r["status_code"]) for r in log["items"]] == [(2, 200), (1, 500)]
    failed = log["items"][1]
    assert failed["error"] == "HTTP 500"
    assert len(failed["response_excerpt"]) == 1024  # the first KB of a 3 KB answer
    assert subscription_row(created["id"]).failing_since is None


def test_a_delivery_that_always_fails_follows_the_schedule_then_fails_and_mails_the_admins(
    local_clock: ManualClock,
) -> None:
    token = admin_token()
    with Receiver(default=503) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
        waits = []
        for _ in range(MAX_ATTEMPTS - 1):
            [wait] = _scheduled_webhook_delays(local_clock)
            waits.append(wait)
            local_clock.advance(seconds=wait.total_seconds())
            run_webhooks()
    assert waits == list(RETRY_DELAYS)
    assert len(receiver.requests) == MAX_ATTEMPTS == 8
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert _scheduled_webhook_delays(local_clock) == []
    [delivery] = delivery_rows()
    assert (delivery.status, delivery.attempts) == ("failed", 8)
    assert subscription_row(created["id"]).is_active  # 1 day 4 hours of failures: kept
    [mail] = delivered_mail()
    assert mail["Subject"] == f"Webhook delivery failed: {receiver.url}"
    assert "failed for good after\n8 attempts" in text_of(mail)
    assert "HTTP 503" in text_of(mail)


def test_a_410_disables_the_subscription_at_once_and_mails_the_admins(
    local_clock: ManualClock,
) -> None:
    token = admin_token()
    with Receiver([410]) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
        publish_completion()
        run_webhooks()
    assert len(receiver.requests) == 1
    row = subscription_row(created["id"])
    assert not row.is_active
    assert row.disabled_reason == "The receiver answered 410 Gone"
    assert _scheduled_webhook_delays(local_clock) == []
    [mail] = delivered_mail()
    assert mail["Subject"] == f"Webhook disabled: {receiver.url}"
    shown = json_of(
        call("webhooks_get", "GET", f"/{created['id']}", token, webhook_id=created["id"])
    )
    assert shown["active"] is False
    assert shown["disabled_reason"] == "The receiver answered 410 Gone"


def test_a_subscription_failing_for_5_days_is_disabled(local_clock: ManualClock) -> None:
    token = admin_token()
    with Receiver(default=500) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()  # failing since now
        for _ in range(4):  # a new event each day; each fails its first attempt
            local_clock.advance(days=1)
            publish_completion()
            run_webhooks()
        assert subscription_row(created["id"]).is_active
        local_clock.advance(days=1)
        publish_completion()
        run_webhooks()
    row = subscription_row(created["id"])
    assert not row.is_active
    assert row.disabled_reason == "Every delivery failed for 5 days"
    subjects = [m["Subject"] for m in delivered_mail()]
    assert f"Webhook disabled: {receiver.url}" in subjects


def test_a_slow_receiver_times_out_and_a_redirect_is_not_followed(
    local_clock: ManualClock,
) -> None:
    token = admin_token()
    with Receiver(["slow", "redirect"]) as receiver:
        receiver.slow_seconds = 2.5
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
        local_clock.advance(seconds=5)
        run_webhooks()
    assert [r.path for r in receiver.requests] == ["/hooks/lms?source=tests"] * 2  # not /moved
    second, first = deliveries(token, created["id"])["items"]
    assert first["status_code"] is None
    assert first["error"] == "no answer within 1 s"
    assert 900 <= first["latency_ms"] < 2500
    assert (second["status_code"], second["error"]) == (302, "HTTP 302")


def test_a_failed_delivery_is_redelivered_with_the_same_id_and_body(
    local_clock: ManualClock,
) -> None:
    token = admin_token()
    with Receiver([410, 200]) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
        [delivery] = delivery_rows()
        path = f"/{created['id']}/deliveries/{delivery.id}/redeliver"
        params = {"webhook_id": created["id"], "delivery_id": delivery.id}
        refused = call("webhooks_redeliver", "POST", path, token, **params)
        assert refused.status_code == 409  # disabled by the 410
        enable = call(
            "webhooks_update",
            "PATCH",
            f"/{created['id']}",
            token,
            {"active": True},
            webhook_id=created["id"],
        )
        assert json_of(enable)["active"] is True
        response = call("webhooks_redeliver", "POST", path, token, **params)
        assert response.status_code == 202
        assert json_of(response)["status"] == "pending"
        again = call("webhooks_redeliver", "POST", path, token, **params)
        assert again.status_code == 409  # still pending
        run_webhooks()
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    [delivery] = delivery_rows()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_a_ping_goes_to_that_subscription_alone(local_clock: ManualClock) -> None:
    token = admin_token()
    with Receiver([200]) as receiver, Receiver([200]) as other:
        created = subscribe(token, receiver.url)
        subscribe(token, other.url)
        path = f"/{created['id']}/ping"
        response = call("webhooks_ping", "POST", path, token, webhook_id=created["id"])
        assert response.status_code == 202
        run_webhooks()
    [received] = receiver.requests
    assert other.requests == []
    body = json.loads(received.body)
    assert body["type"] == "webhook.ping"
    assert body["data"] == {"subscription_id": created["id"]}


def test_after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one() -> None:
    token = admin_token()
    with Receiver([200, 200]) as receiver:
        created = subscribe(token, receiver.url)
        path = f"/{created['id']}/rotate-secret"
        rotated = json_of(
            call("webhooks_rotate_secret", "POST", path, token, webhook_id=created["id"])
        )
        assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
        publish_completion()
        run_webhooks()
        with unit_of_work() as uow:  # a day later, as the clock of the next attempt sees it
            row = uow.session.get(WebhookSubscription, uuid.UUID(created["id"]))
            assert row is not None
            row.previous_secret_expires_at = row.previous_secret_expires_at - timedelta(hours=24)  # type: ignore[operator]
            uow.commit()
        publish_completion()
        run_webhooks()
    during, after = receiver.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    _verify(created["secret"], during)
    _verify(rotated["secret"], during)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    _verify(rotated["secret"], after)
    with pytest.raises(WebhookVerificationError):
        _verify(created["secret"], after)
