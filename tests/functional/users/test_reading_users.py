"""GET /api/v1/users, /api/v1/users/{id} and /api/v1/users/me."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.statements import counted_statements

pytestmark = pytest.mark.usefixtures("database_url")

USER_FIELDS = {
    "id",
    "email",
    "full_name",
    "role",
    "is_active",
    "mfa_enabled",
    "created_at",
    "email_verified_at",
}


def _admin_token() -> str:
    return make_user(role=Role.ADMIN, admin_setup_complete=True)[1]


def test_list_pages_users_newest_first_with_totals() -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    token = _admin_token()  # created now: the newest
    for minute in range(4):
        make_user(email=f"s{minute}@example.org", created_at=start + timedelta(minutes=minute))

    response = call_http(
        "users_list", "GET", "/api/v1/users?page=1&page_size=2", headers=bearer(token)
    )

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert {k: body[k] for k in ("total", "page", "page_size", "total_pages")} == {
        "total": 5,
        "page": 1,
        "page_size": 2,
        "total_pages": 3,
    }
    assert [item["email"] for item in body["items"]][1:] == ["s3@example.org"]
    assert set(body["items"][0]) == USER_FIELDS
    last = json_of(
        call_http("users_list", "GET", "/api/v1/users?page=3&page_size=2", headers=bearer(token))
    )
    assert [item["email"] for item in last["items"]] == ["s0@example.org"]


@pytest.mark.postgres
def test_list_reads_the_page_and_its_total_in_one_query() -> None:
    token = _admin_token()
    for _ in range(5):
        make_user()
    with counted_statements() as statements:
        response = call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))

    assert response.status_code == 200
    user_queries = [s for s in statements if "FROM users" in s and "admins" not in s]
    assert len(user_queries) == 1, user_queries
    assert "count(*) over ()" in user_queries[0].lower()


def test_list_of_an_empty_page_beyond_the_end_has_no_items() -> None:
    token = _admin_token()
    body = json_of(call_http("users_list", "GET", "/api/v1/users?page=9", headers=bearer(token)))
    assert body["items"] == []
    assert body["total"] == 1
    assert body["total_pages"] == 1


@pytest.mark.parametrize("query", ["page=0", "page_size=0", "page_size=101", "page=x"])
def test_list_refuses_page_parameters_out_of_range_with_422(query: str) -> None:
    response = call_http(
        "users_list", "GET", f"/api/v1/users?{query}", headers=bearer(_admin_token())
    )
    assert response.status_code == 422


def test_get_returns_one_user_by_id() -> None:
    user, _ = make_user(full_name="Ada Lovelace")
    response = call_http(
        "users_get",
        "GET",
        f"/api/v1/users/{user.id}",
        headers=bearer(_admin_token()),
        route_params={"user_id": str(user.id)},
    )
    assert response.status_code == 200
    body = json_of(response)
    assert body["id"] == str(user.id)
    assert body["full_name"] == "Ada Lovelace"
    assert body["role"] == "student"
    assert "password_hash" not in body


def test_get_of_an_unknown_id_is_404_user_not_found() -> None:
    unknown = str(uuid.uuid4())
    response = call_http(
        "users_get",
        "GET",
        f"/api/v1/users/{unknown}",
        headers=bearer(_admin_token()),
        route_params={"user_id": unknown},
    )
    assert response.status_code == 404
    assert json_of(response)["detail"] == "User not found"


def test_get_accepts_the_braced_guid_forms_the_route_constraint_admits() -> None:
    user, _ = make_user()
    for form in (f"{{{user.id}}}", f"({user.id})", user.id.hex):
        response = call_http(
            "users_get",
            "GET",
            f"/api/v1/users/{form}",
            headers=bearer(_admin_token()),
            route_params={"user_id": form},
        )
        assert response.status_code == 200, form


def test_me_returns_the_callers_own_account_for_any_role() -> None:
    for role in Role:
        user, token = make_user(role=role)
        response = call_http("users_me", "GET", "/api/v1/users/me", headers=bearer(token))
        assert response.status_code == 200
        assert json_of(response)["id"] == str(user.id)
        assert json_of(response)["role"] == role.value


def test_me_without_a_token_is_401_not_authenticated() -> None:
    response = call_http("users_me", "GET", "/api/v1/users/me")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Not authenticated"


def test_admin_routes_tell_an_admin_without_setup_to_complete_it() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=False)
    response = call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))
    assert response.status_code == 403
    assert (
        json_of(response)["detail"] == "Admin setup must be completed before performing this action"
    )


def test_admin_routes_refuse_a_student_with_403_not_authorized() -> None:
    _, token = make_user()
    response = call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))
    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to perform this action"
