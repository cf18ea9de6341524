"""What the workers leave in /metrics and /ready: job counters, the timers' last runs, the
consumers' beats, and the figures read from the database (queues, ratios, connections)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.functions.timer import TimerRequest
from sqlalchemy import text

from shared import bootstrap
from shared.domain.enrollments import EnrollmentStatus
from shared.domain.users import Role
from shared.messaging.broker import OutgoingMessage
from shared.services.heartbeats import timer_run
from tests.accounts import make_user
from tests.function_calls import call_http, functions_by_name, json_of
from tests.functional.enrollments.calls import run_queue
from tests.learning import make_course, make_enrollment
from tests.scrape import scrape

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def on_a_database(database_url: str) -> None:
    pass


def _ready() -> dict[str, Any]:
    response = call_http("health_ready", "GET", "/api/v1/ready")
    body: dict[str, Any] = json_of(response)
    return body


def test_a_timer_run_is_counted_and_its_last_success_is_read_from_the_database() -> None:
    before = time.time()
    functions_by_name()["outbox_sweep"].get_user_function()(timer=TimerRequest(past_due=False))
    figures = scrape()
    # At least: a scheduler another test left running in this process may have run it too.
    assert figures.value("lms_timer_runs_total", timer="outbox_sweep", result="success") >= 1
    last = figures.value("lms_timer_last_success_timestamp_seconds", timer="outbox_sweep")
    assert before - 1 <= last <= time.time() + 1
    timers = _ready()["timers"]
    assert timers["outbox_sweep"]["last_failure"] is None
    assert timers["outbox_sweep"]["last_success_age_seconds"] < 60


def test_a_failed_timer_run_is_recorded_and_readiness_warns_about_it() -> None:
    deps = bootstrap.current()
    with pytest.raises(RuntimeError), timer_run(deps, "a_timer_of_this_test"):
        raise RuntimeError("the blob store said no to token=abc123")
    figures = scrape()
    assert (
        figures.value("lms_timer_runs_total", timer="a_timer_of_this_test", result="failure") == 1
    )
    assert (
        figures.value("lms_timer_last_failure_timestamp_seconds", timer="a_timer_of_this_test") > 0
    )
    body = _ready()
    assert body["status"] == "ok"  # a warning: the API still serves
    assert "timer a_timer_of_this_test failed at its last run" in body["warnings"]
    assert "abc123" not in body["warnings"]


def test_a_poison_message_is_counted_dead_lettered_and_the_queue_figures_show_it() -> None:
    broker = bootstrap.current().broker
    broker.send([OutgoingMessage("emails", "poison-1", b"not an envelope", "nonsense")])
    assert scrape().value("lms_queue_depth", queue="emails") == 1
    run_queue("emails")
    figures = scrape()
    assert figures.value("lms_jobs_dead_lettered_total", queue="emails") == 1
    assert figures.value("lms_jobs_processed_total", queue="emails") == 0
    assert figures.value("lms_job_duration_seconds_count", queue="emails") == 1
    assert figures.value("lms_queue_dead_letters", queue="emails") == 1
    assert figures.value("lms_queue_depth", queue="emails") == 0
    assert figures.value("lms_consumer_last_seen_timestamp_seconds", queue="emails") > 0
    assert figures.value("lms_jobs_dead_lettered_total", queue="progress") == 0  # exists at 0
    assert "emails" in _ready()["consumers"]


def test_completion_and_dropout_ratios_are_read_from_every_enrollment() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1, title="Ratios")
    statuses = (
        [EnrollmentStatus.COMPLETED] * 3
        + [EnrollmentStatus.DROPPED]
        + [EnrollmentStatus.ACTIVE] * 4
    )
    for status in statuses:
        make_enrollment(make_user()[0], course, status=status.value)
    figures = scrape()
    assert figures.value("lms_course_completion_rate") == pytest.approx(3 / 8)
    assert figures.value("lms_student_dropout_rate") == pytest.approx(1 / 8)
    assert figures.value("lms_enrollments", status="active") == 4
    assert figures.value("lms_database_up") == 1
    assert figures.value("lms_broker_up") == 1
    assert figures.value("lms_state_store_rows", table="rate_limit_counters") >= 0
    assert "lms_state_store_rows" in figures.names


def test_the_database_figures_say_down_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "1")
    bootstrap.reset()
    figures = scrape()
    assert figures.value("lms_database_up") == 0
    assert "lms_course_completion_rate" not in figures.names


def test_the_pool_and_the_server_connections_are_figures(database_url: str) -> None:
    call_http("courses_list", "GET", "/api/v1/courses")
    figures = scrape()
    assert figures.value("lms_db_pool_connections_in_use") >= 0
    assert figures.value("lms_db_pool_connections_open") >= 1
    if database_url.startswith("postgresql"):
        assert figures.value("lms_database_connections") >= 1
        assert figures.value("lms_database_max_connections") >= 10


def test_readiness_warns_when_no_timer_has_run_for_ten_minutes(clock: Any) -> None:
    with timer_run(bootstrap.current(), "outbox_sweep"):
        pass
    assert "workers" not in _ready().get("warnings", "")
    clock.advance(minutes=11)
    body = _ready()
    assert body["status"] == "ok"
    assert "no timer has run for over 600 s" in body["warnings"]
    assert body["timers"]["outbox_sweep"]["last_success_age_seconds"] == 660


def test_readiness_warns_when_messages_wait_and_no_consumer_of_their_queue_is_seen(
    clock: Any,
) -> None:
    broker = bootstrap.current().broker
    broker.send([OutgoingMessage("progress", "waiting-1", b"{}", "course.enrollments_changed")])
    clock.advance(minutes=6)
    assert (
        "queue progress: a message has waited 360 s and no consumer was seen for ever"
        in (_ready()["warnings"])
    )


def test_statements_slower_than_the_threshold_are_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DB_SLOW_QUERY_MS", "1")
    bootstrap.reset()
    slow = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) "
        "SELECT count(*) FROM c"
    )
    with bootstrap.current().engine.connect() as connection:
        assert connection.execute(slow).scalar_one() == 300000
    assert scrape().value("lms_db_slow_queries_total") >= 1
