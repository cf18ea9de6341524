"""Shared rate limits in the request pipeline, through routes the Functions host would call.

The routes here are test routes declared on a Router of their own (`rate_limit=...`), on
their own Blueprint and FunctionApp; the counter is the real one, on SQLite and on
PostgreSQL. Time is the dependencies' clock, set by each test.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.functions as func
import pytest
from sqlalchemy import delete, select
from sqlalchemy import func as sql

from shared import bootstrap
from shared.domain.throttling import RateLimitCounter
from shared.domain.users import User
from shared.http import AUTHENTICATED, ROUTES, Actor, Router
from shared.http.rate_limiting import not_counted
from shared.http.registry import RouteSpec
from shared.security.rate_limits import RULE_NAMES
from tests.accounts import access_token, bearer, make_user
from tests.clock import ManualClock
from tests.function_calls import functions_by_name
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.postgres

ALLOWED_ORIGIN = "https://app.example.org"
BASE = "http://localhost:7071/api/v1/t-ratelimit"
WINDOW_START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")

bp = func.Blueprint()
REGISTRY: dict[str, RouteSpec] = {}
api = Router(bp, "api/v1/t-ratelimit", registry=REGISTRY)


@api.get("courses/{course_id}")
def t_ratelimit_courses_get(course_id: str) -> dict[str, Any]:
    return {"id": course_id}


@api.get("courses")
def t_ratelimit_courses_list() -> list[Any]:
    return []


@api.post("login", rate_limit="auth")
def t_ratelimit_login() -> dict[str, Any]:
    return {"ok": True}


@api.get("me", access=AUTHENTICATED)
def t_ratelimit_me(actor: Actor) -> dict[str, Any]:
    return {"id": str(actor.id)}


@api.post("upload", access=AUTHENTICATED, rate_limit="upload")
def t_ratelimit_upload() -> dict[str, Any]:
    return {"stored": True}


@api.get("open", rate_limit=None)
def t_ratelimit_open() -> dict[str, Any]:
    return {"ok": True}


app = func.FunctionApp()
app.register_functions(bp)
FUNCTIONS = {f.get_function_name(): f for f in app.get_functions()}


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """The clock of the dependencies every request uses, in a known window."""
    monkeypatch.setenv("CORS_ORIGINS", ALLOWED_ORIGIN)
    if "database_url" in request.fixturenames:
        request.getfixturevalue("database_url")  # it sets DATABASE_URL first
    manual = ManualClock(WINDOW_START + timedelta(seconds=15))
    bootstrap.install(bootstrap.build(clock=manual))
    not_counted.reset()
    return manual


def limit_to(monkeypatch: pytest.MonkeyPatch, **settings: int | str) -> None:
    """Change settings; the dependencies are rebuilt from them, with the same clock."""
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
    clock = bootstrap.current().clock
    bootstrap.reset()
    bootstrap.install(bootstrap.build(clock=clock))


def call(
    name: str,
    method: str,
    path: str,
    *,
    client: str | None = "203.0.113.7",
    headers: dict[str, str] | None = None,
    route_params: dict[str, str] | None = None,
    body: bytes = b"",
) -> func.HttpResponse:
    """A request as it reaches the function: the platform front end appended the client."""
    all_headers = dict(headers or {})
    if client is not None:
        earlier = all_headers.pop("X-Forwarded-For", "")
        all_headers["X-Forwarded-For"] = f"{earlier}, {client}" if earlier else client
    request = func.HttpRequest(
        method, BASE + path, headers=all_headers, route_params=route_params or {}, body=body
    )
    response: func.HttpResponse = FUNCTIONS[name].get_user_function()(request)
    return response


def get_course(course_id: str = "c-1", **kwargs: Any) -> func.HttpResponse:
    return call(
        "t_ratelimit_courses_get",
        "GET",
        f"/courses/{course_id}",
        route_params={"course_id": course_id},
        **kwargs,
    )


def statuses(responses: list[func.HttpResponse]) -> list[int]:
    return [r.status_code for r in responses]


def counter_rows() -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(sql.count()).select_from(RateLimitCounter)) or 0)


# --- the limit


def test_the_101st_request_in_a_minute_is_a_429_that_says_when_to_retry(
    database_url: str,
) -> None:
    allowed = [get_course() for _ in range(100)]
    refused = get_course()

    assert statuses(allowed) == [200] * 100
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    body = json.loads(refused.get_body())
    assert (body["status"], body["title"]) == (429, "Too Many Requests")
    assert body["detail"] == "Rate limit exceeded. Try again later."
    # The clock stands 15 s into the window.
    assert refused.headers["Retry-After"] == "45"
    assert refused.headers["X-RateLimit-Limit"] == "100"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Reset"] == str(int(WINDOW_START.timestamp()) + 60)


def test_every_response_of_a_limited_route_carries_the_rate_limit_headers(
    database_url: str,
) -> None:
    first, second = get_course(), get_course()
    unauthenticated = call("t_ratelimit_me", "GET", "/me")

    reset = str(int(WINDOW_START.timestamp()) + 60)
    assert [first.headers[h] for h in RATE_LIMIT_HEADERS] == ["100", "99", reset]
    assert [second.headers[h] for h in RATE_LIMIT_HEADERS] == ["100", "98", reset]
    assert unauthenticated.status_code == 401
    assert [unauthenticated.headers[h] for h in RATE_LIMIT_HEADERS] == ["100", "97", reset]


def test_the_429_carries_the_cors_and_security_headers_of_every_response(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=1)
    get_course()

    refused = get_course(headers={"Origin": ALLOWED_ORIGIN, "X-Request-ID": "trace-429"})

    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert refused.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip() for h in refused.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", *RATE_LIMIT_HEADERS} <= exposed
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert refused.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in refused.headers
    assert refused.headers["X-Request-ID"] == "trace-429"
    assert json.loads(refused.get_body())["request_id"] == "trace-429"


# --- what a budget belongs to


def test_two_ids_on_one_route_share_one_budget(database_url: str) -> None:
    first_half = [get_course("c-1") for _ in range(50)]
    second_half = [get_course("c-2") for _ in range(50)]

    assert statuses(first_half + second_half) == [200] * 100
    assert get_course("c-3").status_code == 429


def test_routes_under_the_same_rule_share_one_budget(database_url: str) -> None:
    for _ in range(100):
        get_course()

    assert call("t_ratelimit_courses_list", "GET", "/courses").status_code == 429


def test_each_rule_has_a_budget_of_its_own(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=2, AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE=3)
    logins = [call("t_ratelimit_login", "POST", "/login") for _ in range(4)]

    assert statuses(logins) == [200, 200, 200, 429]
    assert logins[0].headers["X-RateLimit-Limit"] == "3"
    assert statuses([get_course(), get_course(), get_course()]) == [200, 200, 429]


def test_a_forged_leftmost_forwarded_for_does_not_get_a_fresh_budget(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=2)
    get_course(client="203.0.113.7:50123")
    get_course(client="203.0.113.7:50124")

    forged = get_course(client="203.0.113.7", headers={"X-Forwarded-For": "198.51.100.9"})
    other_client = get_course(client="198.51.100.9", headers={"X-Forwarded-For": "203.0.113.7"})

    assert forged.status_code == 429
    assert other_client.status_code == 200


def test_clients_without_a_resolvable_address_share_one_budget(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=2)

    responses = [get_course(client=None), get_course(client="not-an-ip"), get_course(client=None)]

    assert statuses(responses) == [200, 200, 429]
    with unit_of_work() as uow:
        assert list(uow.session.scalars(select(RateLimitCounter.client))) == ["ip:unknown"]


def test_a_request_refused_by_authentication_still_spends_the_budget(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=3)

    responses = [call("t_ratelimit_me", "GET", "/me") for _ in range(4)]

    assert statuses(responses) == [401, 401, 401, 429]


def test_every_kind_of_token_spends_the_budget_once_and_the_429_wins(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL the hit rides along the actor's lookup; a token refused before the
    # lookup (unsigned) and one refused after it (revoked, unknown user) count all the same.
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=5)
    user, _ = make_user()
    gone, gone_token = make_user()
    with unit_of_work() as uow:
        uow.session.execute(delete(User).where(User.id == gone.id))
        uow.commit()
    revoked = access_token(user)
    user.token_version += 1  # a token issued before a password change: revoked
    with unit_of_work() as uow:
        uow.session.merge(user)
        uow.commit()
    current = access_token(user)

    def me(token: str) -> func.HttpResponse:
        return call("t_ratelimit_me", "GET", "/me", headers=bearer(token))

    responses = [me(current), me("not-a-token"), me(revoked), me(gone_token), me(current)]
    over = [me(current), me(revoked), me("not-a-token"), call("t_ratelimit_me", "GET", "/me")]

    assert statuses(responses) == [200, 401, 401, 401, 200]
    assert statuses(over) == [429] * 4
    assert over[0].headers["X-RateLimit-Remaining"] == "0"
    assert responses[-1].headers["X-RateLimit-Remaining"] == "0"
    with unit_of_work() as uow:
        assert uow.session.scalar(select(RateLimitCounter.hits)) == 9


def test_a_body_too_large_spends_the_budget_and_the_429_wins_over_its_413(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=2, MAX_REQUEST_BODY_BYTES=1024)
    _, token = make_user()

    responses = [
        call("t_ratelimit_me", "GET", "/me", headers=bearer(token), body=b"x" * 2048)
        for _ in range(3)
    ]

    assert statuses(responses) == [413, 413, 429]


def test_the_budget_comes_back_when_the_window_ends(
    database_url: str, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=2)
    clock.now = WINDOW_START + timedelta(seconds=59, milliseconds=500)
    get_course()
    get_course()
    last_moment = get_course()

    clock.now = WINDOW_START + timedelta(seconds=60)
    next_window = get_course()

    assert last_moment.status_code == 429
    assert last_moment.headers["Retry-After"] == "1"
    assert next_window.status_code == 200
    assert next_window.headers["X-RateLimit-Remaining"] == "1"
    assert next_window.headers["X-RateLimit-Reset"] == str(int(WINDOW_START.timestamp()) + 120)


def test_uploads_are_counted_per_user_whatever_the_address(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, FILE_UPLOAD_RATE_LIMIT_REQUESTS_PER_HOUR=2)
    alice_user, alice_token = make_user()
    bob_user, bob_token = make_user()
    alice, bob = bearer(alice_token), bearer(bob_token)

    def upload_as(headers: dict[str, str], client: str) -> func.HttpResponse:
        return call("t_ratelimit_upload", "POST", "/upload", headers=headers, client=client)

    alice_uploads = [
        upload_as(alice, "203.0.113.7"),
        upload_as(alice, "198.51.100.9"),
        upload_as(alice, "192.0.2.44"),
    ]
    bob_upload = upload_as(bob, "203.0.113.7")

    assert statuses(alice_uploads) == [200, 200, 429]
    assert bob_upload.status_code == 200
    assert alice_uploads[0].headers["X-RateLimit-Limit"] == "2"
    # An hour window: it ends on the hour.
    assert alice_uploads[0].headers["X-RateLimit-Reset"] == str(
        int(WINDOW_START.timestamp()) + 3600
    )
    with unit_of_work() as uow:
        clients = set(uow.session.scalars(select(RateLimitCounter.client)))
    assert clients == {f"user:{alice_user.id}", f"user:{bob_user.id}"}


def test_an_upload_refused_by_authentication_is_not_counted_against_anyone(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, FILE_UPLOAD_RATE_LIMIT_REQUESTS_PER_HOUR=1)

    refused = call("t_ratelimit_upload", "POST", "/upload", headers={"Authorization": "Bearer x"})

    assert refused.status_code == 401
    assert counter_rows() == 0


# --- exempt, switched off, and a counter that does not answer


def test_an_exempt_route_is_never_counted(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=1)

    responses = [call("t_ratelimit_open", "GET", "/open") for _ in range(5)]

    assert statuses(responses) == [200] * 5
    assert not any(h in responses[0].headers for h in RATE_LIMIT_HEADERS)
    assert counter_rows() == 0


def test_the_app_exempts_root_health_readiness_preflight_and_docs_and_limits_the_rest() -> None:
    app_routes = {name for name in functions_by_name() if name in ROUTES}

    exempt = {name for name in app_routes if ROUTES[name].rate_limit is None}

    # The docs pages and their assets are static, and the document is built once per process.
    docs = {"docs_openapi", "docs_swagger", "docs_redoc", "docs_asset"}
    # /metrics takes a token only Prometheus holds, and a scrape every 15 s from one address
    # must not spend the default budget (the reference exempted it too).
    probes = {"root_info", "health_check", "health_ready", "cors_preflight", "metrics_scrape"}
    assert exempt == probes | docs
    assert all(ROUTES[name].rate_limit in RULE_NAMES for name in app_routes - exempt)


def test_switched_off_rate_limiting_counts_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit_to(monkeypatch, RATE_LIMIT_ENABLED="false", RATE_LIMIT_REQUESTS_PER_MINUTE=1)

    responses = [get_course() for _ in range(5)]

    assert statuses(responses) == [200] * 5
    assert not any(h in responses[0].headers for h in RATE_LIMIT_HEADERS)
    assert counter_rows() == 0


@pytest.mark.parametrize(
    "database",
    [
        pytest.param(None, id="sqlite-not-migrated"),
        pytest.param("postgresql+pg8000://nobody@127.0.0.1:1/none", id="postgresql-down"),
    ],
)
def test_a_counter_that_does_not_answer_lets_requests_through_with_a_warning(
    database: str | None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if database is not None:
        limit_to(monkeypatch, DATABASE_URL=database, DB_CONNECT_TIMEOUT=2)
    limit_to(monkeypatch, RATE_LIMIT_REQUESTS_PER_MINUTE=1)

    with caplog.at_level(logging.WARNING, logger="lms.rate_limits"):
        responses = [get_course() for _ in range(3)]

    assert statuses(responses) == [200] * 3
    assert not any(h in responses[0].headers for h in RATE_LIMIT_HEADERS)
    # One warning, not one per request: in an outage every request fails to count.
    [warning] = [r for r in caplog.records if r.name == "lms.rate_limits"]
    assert warning.levelno == logging.WARNING
    assert "went through uncounted" in warning.getMessage()


def test_an_unknown_rule_is_refused_when_the_route_is_declared() -> None:
    registry: dict[str, RouteSpec] = {}
    with pytest.raises(ValueError, match="rate_limit='uploads' is not a rule"):
        Router(func.Blueprint(), "api/v1/t-ratelimit", registry=registry).get(
            "x", rate_limit="uploads"
        )
    assert registry == {}
