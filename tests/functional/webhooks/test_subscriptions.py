"""Subscriptions through the admin API: the secret shown once and stored sealed, changes,
deletion, the event catalog, refused URLs and events, who may call, and the log's purge."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.config import Settings
from shared.domain.users import Role
from shared.services.housekeeping import purge_expired
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.function_calls import json_of
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
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url", "allow_local")

EVENT_TYPES = {
    "course.published",
    "enrollment.created",
    "enrollment.completed",
    "enrollment.dropped",
    "quiz.submitted",
    "quiz.graded",
    "certificate.issued",
    "certificate.revoked",
    "user.registered",
    "webhook.ping",
}


def test_a_subscription_shows_its_secret_once_and_stores_it_sealed() -> None:
    token = admin_token()
    created = subscribe(token, "http://127.0.0.1:9/hooks", ["enrollment.completed"])

    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["enrollment.completed"]
    assert created["active"] is True
    shown = json_of(
        call("webhooks_get", "GET", f"/{created['id']}", token, webhook_id=created["id"])
    )
    assert "secret" not in shown
    listed = json_of(call("webhooks_list", "GET", "", token))
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]
    row = subscription_row(created["id"])
    assert created["secret"] not in row.secret_encrypted
    assert created["secret"].removeprefix("whsec_") not in row.secret_encrypted


def test_a_subscription_changes_and_is_deleted_with_its_deliveries() -> None:
    token = admin_token()
    with Receiver([200]) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
    path, params = f"/{created['id']}", {"webhook_id": created["id"]}

    changed = call(
        "webhooks_update",
        "PATCH",
        path,
        token,
        {"events": ["quiz.graded", "quiz.graded"], "description": "HR system", "active": False},
        **params,
    )
    assert changed.status_code == 200
    body = json_of(changed)
    assert (body["events"], body["description"], body["active"]) == (
        ["quiz.graded"],
        "HR system",
        False,
    )
    assert body["disabled_reason"] == "Disabled by an admin"
    assert call("webhooks_delete", "DELETE", path, token, **params).status_code == 204
    assert call("webhooks_get", "GET", path, token, **params).status_code == 404
    assert delivery_rows() == []


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"url": "http://169.254.169.254/latest", "events": ["*"]}, 400, "not a public address"),
        ({"url": "http://10.0.0.8/", "events": ["*"]}, 400, "not a public address"),
        ({"url": "http://2130706434/", "events": ["*"]}, 400, "not a public address"),
        ({"url": "gopher://127.0.0.1/", "events": ["*"]}, 400, "must start with"),
        ({"url": "http://127.0.0.1/", "events": ["user.deleted"]}, 422, "unknown event types"),
        ({"url": "http://127.0.0.1/", "events": ["*", "quiz.graded"]}, 422, "alone"),
        ({"url": "http://127.0.0.1/", "events": []}, 422, "at least 1"),
        ({"events": ["*"]}, 422, "Field required"),
    ],
)
def test_a_wrong_subscription_is_refused_with_the_reason(
    body: dict[str, object], status: int, says: str
) -> None:
    response = call("webhooks_create", "POST", "", admin_token(), body)
    assert response.status_code == status
    assert says in response.get_body().decode()


def test_a_changed_url_passes_the_guard_too() -> None:
    token = admin_token()
    created = subscribe(token, "http://127.0.0.1:9/hooks")
    response = call(
        "webhooks_update",
        "PATCH",
        f"/{created['id']}",
        token,
        {"url": "http://[::ffff:a9fe:a9fe]/"},
        webhook_id=created["id"],
    )
    assert response.status_code == 400
    assert subscription_row(created["id"]).url == "http://127.0.0.1:9/hooks"


def test_the_guard_runs_again_at_delivery_time(
    monkeypatch: pytest.MonkeyPatch, install_dependencies: Callable[..., Dependencies]
) -> None:
    token = admin_token()
    with Receiver([200]) as receiver:
        created = subscribe(token, receiver.url)
        monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS")  # the address is no longer acceptable
        bootstrap.reset()
        install_dependencies()
        publish_completion()
        run_webhooks()
    assert receiver.requests == []
    [attempt] = deliveries(token, created["id"])["items"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("refused by the SSRF guard: the host '127.0.0.1'")


def test_the_event_catalog_lists_every_type_with_its_version_and_payload_schema() -> None:
    response = call("webhooks_events", "GET", "/events", admin_token())
    events = {e["type"]: e for e in json_of(response)["events"]}
    assert set(events) == EVENT_TYPES
    completed = events["enrollment.completed"]
    assert completed["version"] == 1
    assert set(completed["payload_schema"]["properties"]) == {
        "enrollment_id",
        "student_id",
        "course_id",
        "completed_at",
    }


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_admins_reach_the_webhooks(role: Role) -> None:
    token = make_user(role=role)[1]
    created = subscribe(admin_token(), "http://127.0.0.1:9/hooks")
    some_id = {"webhook_id": created["id"]}
    calls = [
        call("webhooks_events", "GET", "/events", token),
        call("webhooks_list", "GET", "", token),
        call("webhooks_create", "POST", "", token, {"url": "http://127.0.0.1/", "events": ["*"]}),
        call("webhooks_get", "GET", f"/{created['id']}", token, **some_id),
        call("webhooks_update", "PATCH", f"/{created['id']}", token, {"active": False}, **some_id),
        call("webhooks_delete", "DELETE", f"/{created['id']}", token, **some_id),
        call("webhooks_rotate_secret", "POST", f"/{created['id']}/rotate-secret", token, **some_id),
        call("webhooks_ping", "POST", f"/{created['id']}/ping", token, **some_id),
        call("webhooks_deliveries", "GET", f"/{created['id']}/deliveries", token, **some_id),
        call(
            "webhooks_redeliver",
            "POST",
            f"/{created['id']}/deliveries/{uuid.uuid4()}/redeliver",
            token,
            **some_id,
            delivery_id=uuid.uuid4(),
        ),
    ]
    assert [response.status_code for response in calls] == [403] * len(calls)
    assert subscription_row(created["id"]).is_active


def test_an_unknown_subscription_or_delivery_is_404() -> None:
    token = admin_token()
    missing = uuid.uuid4()
    assert call("webhooks_get", "GET", f"/{missing}", token, webhook_id=missing).status_code == 404
    created = subscribe(token, "http://127.0.0.1:9/hooks")
    path = f"/{created['id']}/deliveries/{missing}/redeliver"
    response = call(
        "webhooks_redeliver", "POST", path, token, webhook_id=created["id"], delivery_id=missing
    )
    assert response.status_code == 404


def test_housekeeping_purges_the_log_past_its_retention(local_clock: ManualClock) -> None:
    token = admin_token()
    with Receiver([200]) as receiver:
        created = subscribe(token, receiver.url)
        publish_completion()
        run_webhooks()
    assert deliveries(token, created["id"])["total"] == 1
    local_clock.advance(days=29)
    with unit_of_work() as uow:
        assert purge_expired(uow, uow_settings()).webhook_attempts == 0
    local_clock.advance(days=1, seconds=1)
    with unit_of_work() as uow:
        result = purge_expired(uow, uow_settings())
    assert (result.webhook_attempts, result.webhook_deliveries) == (1, 1)
    assert deliveries(token, created["id"])["total"] == 0


def uow_settings() -> Settings:
    return bootstrap.current().settings
