"""SQL statements per request: a serverless instance pays for each round trip, so the counts
are pinned here; a change shows up as a failing test, not as a slower bill."""

from __future__ import annotations

import pytest

from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http
from tests.statements import counted_statements

pytestmark = pytest.mark.postgres


def _statements(database_url: str, postgresql: int, sqlite: int) -> int:
    """PostgreSQL adds the rate-limit hit in the actor's statement; SQLite (no INSERT inside
    WITH) sends it first, on its own."""
    return postgresql if database_url.startswith("postgresql") else sqlite


def test_an_authenticated_read_of_me_costs_one_statement_on_postgresql(database_url: str) -> None:
    _, token = make_user()
    with counted_statements() as statements:
        response = call_http("auth_me", "GET", "/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 200
    # The actor (user, spent-token check, admin setup) with the rate-limit hit.
    assert len(statements) == _statements(database_url, 1, 2), statements


def test_a_page_of_users_costs_two_statements_whatever_the_page_size(database_url: str) -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    for _ in range(30):
        make_user()
    with counted_statements() as statements:
        response = call_http(
            "users_list", "GET", "/api/v1/users?page_size=25", headers=bearer(token)
        )
    assert response.status_code == 200
    assert len(response.get_body()) > 0
    # Rate limit and actor, the page with its total.
    assert len(statements) == _statements(database_url, 2, 3), statements
