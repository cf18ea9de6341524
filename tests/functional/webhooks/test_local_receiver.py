"""The demo's webhook subscription and the receiver `lms serve` mounts for it, over real HTTP:
what the demo sets off lands as a file with a verified signature, a forged delivery gets 401,
an oversized one 413, and a production host serves no receiver and accepts no loopback URL."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from shared import bootstrap
from shared.cli.main import main
from shared.domain.courses import Course
from shared.domain.errors import RuleViolationError
from shared.domain.users import User
from shared.local.body_limits import BodyLimits
from shared.local.mounts import local_mounts
from shared.local.routing import RouteTable
from shared.local.wsgi import FunctionsWsgiApp
from shared.security import webhook_signing
from shared.services import webhooks
from shared.services.local_webhooks import (
    LOCAL_RECEIVER_PATH,
    MAX_BODY_BYTES,
    receiver_secret,
    receiver_url,
)
from tests.accounts import access_token
from tests.functional.enrollments.calls import enroll
from tests.functional.webhooks.calls import delivery_rows, run_webhooks
from tests.unit_of_work import unit_of_work
from tests.waitress_thread import serving

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
def port() -> Iterator[int]:
    """What `lms serve` mounts beside the functions, served on a free port."""
    settings = bootstrap.current().settings
    mounts, limits = local_mounts(settings)
    wsgi = FunctionsWsgiApp(
        RouteTable.from_app(func.FunctionApp()),
        BodyLimits(default=settings.MAX_REQUEST_BODY_BYTES),
        mounts,
        mount_body_limits=limits,
    )
    with serving(wsgi) as bound:
        yield bound


def post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", LOCAL_RECEIVER_PATH, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def kept_files() -> list[Path]:
    return sorted(bootstrap.current().settings.LOCAL_WEBHOOKS_DIR.glob("*.json"))


def _row(model: type, *where: Any) -> Any:
    with unit_of_work() as uow:
        row: Any = uow.session.scalars(select(model).where(*where)).one()
        uow.session.expunge_all()
        return row


def test_an_enrollment_reaches_the_demo_receiver_and_is_kept_as_a_verified_file(
    port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed-demo", "--port", str(port)]) == 0
    assert f"{receiver_url(port)} for enrollment.created" in capsys.readouterr().out
    student = _row(User, User.email == "student@example.com")
    course = _row(Course, Course.slug == "postgresql-modelling")

    assert enroll(access_token(student), course.id).status_code == 201
    run_webhooks()

    deliveries = delivery_rows()
    assert deliveries and {d.status for d in deliveries} == {"delivered"}
    records = [json.loads(path.read_text()) for path in kept_files()]
    assert len(records) == len(deliveries)  # the demo's own events, delivered as well
    [mine] = [
        r
        for r in records
        if r["event_type"] == "enrollment.created"
        and r["payload"]["data"]["course_id"] == str(course.id)
    ]
    assert mine["signature"] == "verified"
    assert mine["payload"]["data"]["student_id"] == str(student.id)
    # Verified again by an independent implementation, with the subscription's secret.
    secret = receiver_secret(bootstrap.current().settings)
    assert Webhook(secret).verify(mine["body"], mine["headers"])["type"] == "enrollment.created"


def test_a_delivery_whose_signature_does_not_verify_gets_401_and_is_not_kept(port: int) -> None:
    body = b'{"type":"enrollment.created","timestamp":"2026-01-01T00:00:00+00:00","data":{}}'
    now = int(bootstrap.current().clock().timestamp())
    forged = webhook_signing.headers([webhook_signing.new_secret()], "msg_forged", now, body)

    status, problem = post(port, body, forged)
    unsigned, _ = post(port, body, {})

    assert (status, unsigned) == (401, 401)
    assert "does not verify" in problem["detail"]
    assert kept_files() == []


def test_a_stale_timestamp_gets_401_though_signed_with_the_receivers_secret(port: int) -> None:
    body = b'{"type":"webhook.ping","timestamp":"2026-01-01T00:00:00+00:00","data":{}}'
    an_hour_ago = int(bootstrap.current().clock().timestamp()) - 3600
    secret = receiver_secret(bootstrap.current().settings)
    replayed = webhook_signing.headers([secret], "msg_replayed", an_hour_ago, body)

    status, problem = post(port, body, replayed)

    assert status == 401
    assert "webhook-timestamp" in problem["detail"]
    assert kept_files() == []


def test_a_body_over_the_receivers_limit_gets_413(port: int) -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    now = int(bootstrap.current().clock().timestamp())
    secret = receiver_secret(bootstrap.current().settings)

    status, _ = post(port, body, webhook_signing.headers([secret], "msg_large", now, body))

    assert status == 413
    assert kept_files() == []


def test_production_serves_no_receiver_and_refuses_its_loopback_url() -> None:
    settings = bootstrap.current().settings
    production = settings.model_copy(update={"ENVIRONMENT": "production"})

    assert LOCAL_RECEIVER_PATH in local_mounts(settings)[0]
    assert LOCAL_RECEIVER_PATH not in local_mounts(production)[0]
    assert webhooks.checked_url(settings, receiver_url(7071))
    with pytest.raises(RuleViolationError):
        webhooks.checked_url(production, receiver_url(7071))
