"""A database that is gone, frozen, cut off or too slow answers 503 with Retry-After, never 500.

The app reaches PostgreSQL through tests/fault_proxy.py, which the tests switch into each fault;
requests go through the HTTP functions as the Functions host calls them. The timeouts are short
(connect 1 s, statement 1 s, read 1.5 s) so each fault costs what the settings allow, and the
tests check it does.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator

import azure.functions as func
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shared import bootstrap
from shared.http.rate_limiting import not_counted
from shared.observability.logging import install_redaction
from tests.accounts import PASSWORD, bearer, make_user
from tests.fault_proxy import FaultProxy
from tests.function_calls import call_http, json_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

CONNECT_TIMEOUT, STATEMENT_TIMEOUT_MS, READ_TIMEOUT = 1.0, 1000, 1.5
NAME = "Ada Faultline"


@pytest.fixture
def proxy(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """The app's DATABASE_URL points at a fault proxy in front of the test database."""
    url = make_url(database_url)
    running = FaultProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = url.set(host="127.0.0.1", port=running.port).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", proxied)
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", str(CONNECT_TIMEOUT))
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", str(STATEMENT_TIMEOUT_MS))
    monkeypatch.setenv("DB_READ_TIMEOUT", str(READ_TIMEOUT))
    bootstrap.reset()
    yield running
    bootstrap.reset()  # disposes the engine while the proxy still answers
    running.close()


def register(email: str = "ada@example.org") -> func.HttpResponse:
    body = {"email": email, "password": PASSWORD, "full_name": NAME}
    return call_http("auth_register", "POST", "/api/v1/auth/register", json_body=body)


def login(email: str) -> func.HttpResponse:
    body = {"email": email, "password": PASSWORD}
    return call_http("auth_login", "POST", "/api/v1/auth/login", json_body=body)


def course_list() -> func.HttpResponse:
    return call_http("courses_list", "GET", "/api/v1/courses")


def my_profile(token: str) -> func.HttpResponse:
    return call_http("users_me", "GET", "/api/v1/users/me", headers=bearer(token))


def timed(call: Callable[[], func.HttpResponse]) -> tuple[func.HttpResponse, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response: func.HttpResponse) -> None:
    assert response.status_code == 503, response.get_body()
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = json_of(response)
    assert problem["status"] == 503
    assert "temporarily unavailable" in problem["detail"]


def assert_no_secrets_in(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    text_of_logs = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    for secret in (PASSWORD, "$argon2", NAME, *secrets):
        assert secret not in text_of_logs


@pytest.fixture
def signed_in(proxy: FaultProxy) -> tuple[str, str]:
    """A user who exists before the fault, and their access token."""
    user, token = make_user(full_name=NAME)
    assert login(user.email).status_code == 200  # the pool now holds open connections
    return user.email, token


@pytest.mark.parametrize("fault", ["refuse", "hang", "cut"])
def test_every_kind_of_route_answers_503_with_retry_after_while_the_database_fails(
    fault: str,
    proxy: FaultProxy,
    signed_in: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    email, token = signed_in
    getattr(proxy, fault)()
    calls: dict[str, Callable[[], func.HttpResponse]] = {
        "login": lambda: login(email),
        "register": lambda: register("grace@example.org"),
        "course list": course_list,
        "authenticated GET": lambda: my_profile(token),
    }

    with caplog.at_level(logging.DEBUG):
        results = {name: timed(call) for name, call in calls.items()}

    for response, _ in results.values():
        assert_unavailable(response)
    # The rate-limit counter fails open and the route tries once itself: at worst a read
    # timeout on a pooled connection and a connect timeout on a new one, never 5 s or more.
    slowest = max(seconds for _, seconds in results.values())
    assert slowest < READ_TIMEOUT + CONNECT_TIMEOUT + 1.0, results
    assert "unhandled error" not in caplog.text
    assert_no_secrets_in(caplog, token)


def test_the_app_recovers_when_the_database_answers_again(
    proxy: FaultProxy, signed_in: tuple[str, str]
) -> None:
    email, token = signed_in
    for fault in (proxy.refuse, proxy.hang, proxy.cut):
        fault()
        assert login(email).status_code == 503
        proxy.forward()
        assert login(email).status_code == 200
        assert my_profile(token).status_code == 200
        assert course_list().status_code == 200
    assert register("grace@example.org").status_code == 201


def test_a_database_that_never_answers_a_new_connection_costs_one_connect_timeout_per_try(
    proxy: FaultProxy,
) -> None:
    proxy.hang()

    response, seconds = timed(course_list)

    assert_unavailable(response)
    # Two tries (the rate-limit counter's, failing open, then the route's), one timeout each.
    assert 2 * CONNECT_TIMEOUT - 0.1 < seconds < 2 * CONNECT_TIMEOUT + 1.0


@pytest.fixture
def lock_table(database_url: str) -> Iterator[Callable[[str], None]]:
    """Hold an EXCLUSIVE lock on tables (reads go on, writes wait) from another connection."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    connection = engine.connect()
    transaction = connection.begin()

    def lock(table: str) -> None:
        connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))

    yield lock
    transaction.rollback()
    connection.close()
    engine.dispose()


def test_a_statement_past_the_statement_timeout_answers_503_and_logs_no_parameters(
    proxy: FaultProxy, lock_table: Callable[[str], None], caplog: pytest.LogCaptureFixture
) -> None:
    lock_table("users")  # the INSERT of the new user waits until PostgreSQL cancels it

    with caplog.at_level(logging.DEBUG):
        response, seconds = timed(lambda: register("grace@example.org"))

    assert_unavailable(response)
    assert STATEMENT_TIMEOUT_MS / 1000 <= seconds < STATEMENT_TIMEOUT_MS / 1000 + 1.0
    assert "statement timeout" in caplog.text  # PostgreSQL's reason, in the warning
    assert_no_secrets_in(caplog, "grace@example.org")


def test_the_rate_limit_counter_fails_open_when_its_statement_times_out(
    proxy: FaultProxy, lock_table: Callable[[str], None], caplog: pytest.LogCaptureFixture
) -> None:
    lock_table("rate_limit_counters")
    not_counted.reset()  # its one warning a minute may have gone to an earlier test

    with caplog.at_level(logging.WARNING, logger="lms.rate_limits"):
        response, seconds = timed(course_list)

    assert response.status_code == 200
    assert "X-RateLimit-Remaining" not in response.headers
    assert seconds < STATEMENT_TIMEOUT_MS / 1000 + 1.0
    assert any("went through uncounted" in r.getMessage() for r in caplog.records)


def test_a_wrong_password_still_answers_401_when_the_failure_cannot_be_counted(
    proxy: FaultProxy, lock_table: Callable[[str], None], caplog: pytest.LogCaptureFixture
) -> None:
    user, _ = make_user()
    lock_table("login_failures")  # the lock check reads on; counting the failure times out

    with caplog.at_level(logging.WARNING, logger="lms.lockout"):
        response = call_http(
            "auth_login",
            "POST",
            "/api/v1/auth/login",
            json_body={"email": user.email, "password": "not the password"},
        )

    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid email or password"
    assert any("went uncounted" in r.getMessage() for r in caplog.records)


def test_postgresql_applies_the_statement_timeout_to_every_connection_of_the_app(
    proxy: FaultProxy,
) -> None:
    engine = bootstrap.current().engine
    with engine.connect() as first, engine.connect() as second:
        timeouts = [c.execute(text("SHOW statement_timeout")).scalar_one() for c in (first, second)]
    assert timeouts == ["1s", "1s"]


def test_a_database_error_logged_with_its_traceback_shows_no_row_values(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    password_hash = bootstrap.current().passwords.hash(PASSWORD)
    engine = bootstrap.current().engine
    install_redaction()  # as function_app.py does at import, under the Functions worker too

    with caplog.at_level(logging.ERROR, logger="lms.http"), engine.connect() as connection:
        try:
            # email is NOT NULL: PostgreSQL's DETAIL repeats the whole row, hash and name.
            connection.execute(
                text("INSERT INTO users (id, password_hash, full_name) VALUES (:id, :h, :n)"),
                {"id": str(uuid.uuid4()), "h": password_hash, "n": NAME},
            )
        except DBAPIError:  # pg8000 reports 23502 as a ProgrammingError
            logging.getLogger("lms.http").exception("unhandled error in users_create")

    assert len(caplog.records) == 1
    assert "Failing row contains" not in caplog.text and "violates not-null" in caplog.text
    assert_no_secrets_in(caplog, password_hash)
