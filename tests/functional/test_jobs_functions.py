"""The timer and queue functions of functions_jobs, called as the Functions host calls them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.functions.timer import TimerRequest
from sqlalchemy import func, select

from shared import bootstrap
from shared.domain.inbox import ProcessedMessage
from shared.domain.mail import DeliveryStatus, EmailDelivery
from shared.domain.mfa import MfaCode
from shared.domain.outbox import OutboxMessage
from shared.domain.queue_messages import QueuedMessage
from shared.domain.throttling import LoginFailure, RateLimitCounter
from shared.domain.tokens import RefreshToken, SpentToken
from shared.messages.emails import WelcomeEmail
from shared.messages.events import CoursePublished
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from tests.accounts import make_user
from tests.function_calls import functions_by_name
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres


def local_broker() -> LocalBroker:
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    return broker


def call(name: str, **binding: object) -> None:
    functions_by_name()[name].get_user_function()(**binding)


def count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_queue_has_a_trigger_on_the_shared_connection_setting() -> None:
    triggers = {
        f.get_trigger().get_dict_repr()["queueName"]: f.get_trigger().get_dict_repr()
        for f in functions_by_name().values()
        if f.get_trigger().get_dict_repr()["type"] == "serviceBusTrigger"
    }
    assert set(triggers) == {"emails", "progress", "certificates", "webhooks"}
    assert {t["connection"] for t in triggers.values()} == {"ServiceBusConnection"}


def test_the_outbox_sweep_sends_what_was_left_behind(database_url: str) -> None:
    published = CoursePublished(
        course_id=uuid.uuid4(), instructor_id=uuid.uuid4(), published_at=datetime.now(UTC)
    )
    with unit_of_work(relay=False) as uow:
        uow.publish(published)
        uow.commit()
    with unit_of_work() as uow:
        # Older than the sweep's grace period, as a row left by a failed relay would be.
        row = uow.session.scalars(select(OutboxMessage)).one()
        row.occurred_at -= timedelta(minutes=1)
        uow.commit()
    call("outbox_sweep", timer=TimerRequest(past_due=False))
    assert count(OutboxMessage) == 0
    [received] = local_broker().receive("webhooks")
    assert Envelope.from_bytes(received.body).payload == published.payload()


def test_housekeeping_forgets_what_has_expired_and_keeps_what_still_counts(
    database_url: str,
) -> None:
    now = datetime.now(UTC)
    old = now - timedelta(days=30)
    user, _ = make_user()
    lockout = timedelta(seconds=900)  # ACCOUNT_LOCKOUT_DURATION_SECONDS

    def counter(client: str, ends_at: datetime) -> RateLimitCounter:
        starts_at = ends_at - timedelta(minutes=1)
        return RateLimitCounter(
            rule="default",
            client=client,
            window_starts_at=starts_at,
            window_ends_at=ends_at,
            hits=3,
        )

    def refresh_token(name: str, expires_at: datetime) -> RefreshToken:
        return RefreshToken(
            id=uuid.uuid5(uuid.NAMESPACE_URL, name),
            user_id=user.id,
            family_id=uuid.uuid4(),
            token_hash=name.ljust(64, "0"),
            created_at=expires_at - timedelta(days=30),
            expires_at=expires_at,
        )

    def mfa_code(name: str, expires_at: datetime) -> MfaCode:
        return MfaCode(
            id=uuid.uuid5(uuid.NAMESPACE_URL, name),
            user_id=user.id,
            purpose="login",
            code_hash="0" * 64,
            expires_at=expires_at,
        )

    def failures(key: str, started: datetime, locked_until: datetime | None) -> LoginFailure:
        return LoginFailure(
            key=key, failures=5, window_started_at=started, locked_until=locked_until
        )

    def delivery(message_id: str, status: DeliveryStatus, at: datetime) -> EmailDelivery:
        return EmailDelivery(
            message_id=message_id,
            message_type="email.welcome",
            recipient="someone@example.org",
            status=status.value,
            transport="smtp",
            attempted_at=at,
        )

    with unit_of_work() as uow:
        uow.session.add(ProcessedMessage(consumer="emails", message_id="old", processed_at=old))
        uow.session.add(ProcessedMessage(consumer="emails", message_id="new", processed_at=now))
        uow.session.add_all(
            [
                counter("ip:ended", now - timedelta(seconds=1)),
                counter("ip:current", now + timedelta(seconds=30)),
                SpentToken(jti="expired", kind="access", expires_at=now - timedelta(seconds=1)),
                SpentToken(jti="live", kind="access", expires_at=now + timedelta(minutes=5)),
                refresh_token("expired-two-days", now - timedelta(days=2)),
                refresh_token("expired-an-hour", now - timedelta(hours=1)),
                refresh_token("live", now + timedelta(days=29)),
                mfa_code("expired", now - timedelta(seconds=1)),
                mfa_code("live", now + timedelta(minutes=5)),
                failures("email:old", now - lockout - timedelta(seconds=1), None),
                failures("email:lock-over", now - 2 * lockout, now - timedelta(seconds=1)),
                failures("email:still-locked", now - 2 * lockout, now + timedelta(minutes=5)),
                failures("email:recent", now - timedelta(minutes=1), None),
                delivery("sent-old", DeliveryStatus.SENT, old),
                delivery("sent-new", DeliveryStatus.SENT, now),
                delivery("rejected-old", DeliveryStatus.REJECTED, old),
            ]
        )
        uow.publish(WelcomeEmail(to="someone@example.org", full_name="Someone"))
        uow.commit()
    broker = local_broker()
    broker.complete(broker.receive("emails")[0])
    with unit_of_work() as uow:
        uow.session.scalars(select(QueuedMessage)).one().settled_at = old
        uow.commit()

    call("housekeeping_purge", timer=TimerRequest(past_due=False))

    def kept(column: Any) -> set[Any]:
        with unit_of_work() as uow:
            return set(uow.session.scalars(select(column)))

    assert kept(ProcessedMessage.message_id) == {"new"}
    assert count(QueuedMessage) == 0
    assert kept(RateLimitCounter.client) == {"ip:current"}
    assert kept(SpentToken.jti) == {"live"}
    assert kept(RefreshToken.token_hash) == {
        "expired-an-hour".ljust(64, "0"),
        "live".ljust(64, "0"),
    }
    assert kept(MfaCode.id) == {uuid.uuid5(uuid.NAMESPACE_URL, "live")}
    assert kept(LoginFailure.key) == {"email:still-locked", "email:recent"}
    assert kept(EmailDelivery.message_id) == {"sent-new", "rejected-old"}
