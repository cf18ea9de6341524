"""GET /, /api/v1/health and /api/v1/ready, called as the Functions host calls them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shared import bootstrap
from shared.version import __version__
from tests.function_calls import call_http, json_of


def test_root_answers_exactly_the_reference_message() -> None:
    response = call_http("root_info", "GET", "/")
    assert response.status_code == 200
    assert json_of(response) == {"message": "LMS Backend API"}


def test_health_keeps_the_reference_status_and_names_the_api_and_its_version() -> None:
    response = call_http("health_check", "GET", "/api/v1/health")
    assert response.status_code == 200
    assert json_of(response) == {"status": "ok", "name": "LMS Functions", "version": __version__}


def test_health_answers_ok_even_when_the_database_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://nobody@127.0.0.1:1/none")
    bootstrap.reset()
    response = call_http("health_check", "GET", "/api/v1/health")
    assert response.status_code == 200
    assert json_of(response)["status"] == "ok"


@pytest.mark.postgres
def test_ready_keeps_the_reference_keys_with_redis_as_the_state_store(database_url: str) -> None:
    response = call_http("health_ready", "GET", "/api/v1/ready")
    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert list(body)[:3] == ["status", "database", "redis"]
    assert (body["status"], body["database"], body["redis"]) == ("ok", "up", "up")


@pytest.mark.parametrize("table", ["rate_limit_counters", "login_failures", "spent_tokens"])
def test_ready_is_503_with_redis_down_when_a_state_table_cannot_be_read(
    database_url: str, table: str
) -> None:
    # The schema revision still matches: only the state store's own check can see this. The
    # table is renamed, not dropped, and put back: a PostgreSQL test database is shared.
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        response = call_http("health_ready", "GET", "/api/v1/ready")
    finally:
        bootstrap.reset()  # its pooled connections must not hold the table on PostgreSQL
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))
        engine.dispose()

    assert response.status_code == 503
    body = json_of(response)
    assert (body["status"], body["database"], body["redis"]) == ("degraded", "up", "down")
    assert body["detail"].startswith("redis: the rate-limit, lockout and revoked-token tables")


def test_ready_is_200_when_database_broker_and_storage_answer(database_url: str) -> None:
    response = call_http("health_ready", "GET", "/api/v1/ready")
    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert {k: body[k] for k in ("status", "database", "broker", "storage")} == {
        "status": "ok",
        "database": "up",
        "broker": "up",
        "storage": "up",
    }
    assert set(body["queues"]) == {"emails", "progress", "certificates", "webhooks"}
    assert body["queues"]["emails"] == {
        "active": 0,
        "scheduled": 0,
        "dead_lettered": 0,
        "oldest_age_seconds": None,
    }


def test_ready_is_503_naming_the_database_when_it_does_not_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://nobody@127.0.0.1:1/none")
    bootstrap.reset()
    response = call_http("health_ready", "GET", "/api/v1/ready")
    assert response.status_code == 503
    body = json_of(response)
    assert body["status"] == "degraded"
    assert body["database"] == "down"
    assert body["redis"] == "down"
    assert body["broker"] == "down"
    assert body["storage"] == "up"
    assert "database: the database does not answer" in body["detail"]
    assert "nobody" not in body["detail"]


def test_ready_is_503_asking_for_migrate_when_the_schema_is_missing() -> None:
    response = call_http("health_ready", "GET", "/api/v1/ready")
    assert response.status_code == 503
    assert "run `lms migrate`" in json_of(response)["detail"]


def test_ready_is_503_naming_storage_when_its_folder_cannot_be_used(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    monkeypatch.setenv("LOCAL_STORAGE_DIR", str(blocker))
    bootstrap.reset()
    response = call_http("health_ready", "GET", "/api/v1/ready")
    assert response.status_code == 503
    body = json_of(response)
    assert body["storage"] == "down"
    assert body["database"] == "up"
    assert body["detail"].startswith("storage: ")


def test_ready_reports_queue_depth_and_dead_letters(database_url: str) -> None:
    from shared.messages.emails import WelcomeEmail
    from shared.messaging.local import LocalBroker
    from tests.unit_of_work import unit_of_work

    with unit_of_work() as uow:
        uow.publish(WelcomeEmail(to="a@example.org", full_name="A"))
        uow.publish(WelcomeEmail(to="b@example.org", full_name="B"))
        uow.commit()
    broker = bootstrap.current().broker
    assert isinstance(broker, LocalBroker)
    broker.dead_letter(broker.receive("emails")[0], "Manual", None)
    body = json_of(call_http("health_ready", "GET", "/api/v1/ready"))
    assert body["queues"]["emails"]["active"] == 1
    assert body["queues"]["emails"]["dead_lettered"] == 1
    assert body["queues"]["emails"]["oldest_age_seconds"] >= 0
