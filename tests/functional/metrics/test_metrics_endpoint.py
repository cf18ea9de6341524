"""GET /metrics: refused without the scraper's token, and what requests leave in it."""

from __future__ import annotations

import uuid

import pytest

from shared import bootstrap
from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http
from tests.scrape import METRICS_TOKEN, scrape

pytestmark = pytest.mark.usefixtures("database_url")


def _get_metrics(headers: dict[str, str]) -> int:
    return call_http("metrics_scrape", "GET", "/metrics", headers=headers).status_code


def test_metrics_are_refused_without_the_token_or_with_another() -> None:
    assert _get_metrics({}) == 401
    assert _get_metrics({"Authorization": "Bearer not-the-token"}) == 401
    assert _get_metrics({"Authorization": f"Basic {METRICS_TOKEN}"}) == 401


def test_metrics_refuse_a_signed_in_admin_too() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    assert _get_metrics(bearer(token)) == 401


def test_metrics_refuse_everyone_while_no_token_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_TOKEN")
    bootstrap.reset()
    assert _get_metrics({"Authorization": f"Bearer {METRICS_TOKEN}"}) == 401
    assert _get_metrics({"Authorization": "Bearer "}) == 401


def test_metrics_answer_the_scraper_in_the_prometheus_text_format() -> None:
    response = call_http(
        "metrics_scrape", "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert b"# TYPE http_request_duration_seconds histogram" in response.get_body()


def test_requests_are_counted_by_route_template_never_by_the_path_asked_for() -> None:
    for _ in range(3):
        course_id = str(uuid.uuid4())
        response = call_http(
            "courses_get",
            "GET",
            f"/api/v1/courses/{course_id}",
            route_params={"course_id": course_id},
        )
        assert response.status_code == 404
    figures = scrape()
    route = "/api/v1/courses/{course_id}"
    assert figures.value("http_requests_total", method="GET", path=route, status="404") == 3
    assert figures.value("http_request_duration_seconds_count", method="GET", path=route) == 3
    assert (
        figures.value("http_request_duration_seconds_bucket", method="GET", path=route, le="+Inf")
        == 3
    )
    assert course_id not in figures.text


def test_the_histogram_has_the_declared_buckets_in_seconds() -> None:
    call_http("health_check", "GET", "/api/v1/health")
    figures = scrape()
    bounds = {
        dict(labels)["le"]
        for name, labels in figures.samples
        if name == "http_request_duration_seconds_bucket" and ("path", "/api/v1/health") in labels
    }
    assert {"0.005", "0.25", "0.75", "1.0", "10.0", "30.0", "+Inf"} <= bounds


def test_the_scrape_is_not_counted_in_its_own_figures() -> None:
    scrape()
    assert "/metrics" not in scrape().text


def test_requests_refused_by_the_rate_limit_are_counted_as_429s_by_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RATE_LIMIT_REQUESTS_PER_MINUTE", "2")
    bootstrap.reset()
    statuses = [call_http("courses_list", "GET", "/api/v1/courses").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    figures = scrape()
    assert (
        figures.value("http_requests_total", method="GET", path="/api/v1/courses", status="429")
        == 2
    )
    assert figures.value("http_rate_limited_requests_total", rule="default") == 2
    assert figures.value("http_rate_limited_requests_total", rule="auth") == 0
