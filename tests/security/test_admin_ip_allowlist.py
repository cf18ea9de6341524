"""An admin's IP allowlist is enforced at every request (issue 14, case 12), and an admin
cannot set a list that locks their own address out."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from shared.domain.admins import AdminProfile
from shared.domain.users import Role, User
from shared.security.ip_allowlist import OUTSIDE
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

OFFICE = "203.0.113.7"


def admin_with_allowlist(addresses: list[str]) -> tuple[User, str]:
    admin, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    with unit_of_work() as uow:
        uow.session.execute(
            update(AdminProfile)
            .where(AdminProfile.user_id == admin.id)
            .values(ip_whitelist=addresses)
        )
        uow.commit()
    return admin, token


def from_address(address: str, token: str) -> dict[str, str]:
    return {**bearer(token), "X-Forwarded-For": address}


@pytest.mark.parametrize(
    ("name", "path"), [("users_list", "/api/v1/users"), ("auth_me", "/api/v1/auth/me")]
)
def test_an_admin_outside_the_allowlist_is_refused(name: str, path: str) -> None:
    _, token = admin_with_allowlist([OFFICE])

    response = call_http(name, "GET", path, headers=from_address("198.51.100.9", token))

    assert response.status_code == 403, response.get_body()
    assert json_of(response)["detail"] == OUTSIDE


@pytest.mark.parametrize("address", [OFFICE, f"::ffff:{OFFICE}"])
def test_an_admin_on_the_allowlist_is_served(address: str) -> None:
    _, token = admin_with_allowlist([OFFICE])

    response = call_http("users_list", "GET", "/api/v1/users", headers=from_address(address, token))

    assert response.status_code == 200, response.get_body()


def test_an_admin_without_a_known_address_is_refused_when_a_list_is_set() -> None:
    _, token = admin_with_allowlist([OFFICE])

    response = call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))

    assert response.status_code == 403


def test_an_empty_allowlist_allows_every_address() -> None:
    _, token = admin_with_allowlist([])

    response = call_http(
        "users_list", "GET", "/api/v1/users", headers=from_address("198.51.100.9", token)
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "path", "method"),
    [
        ("admin_security_config", "/api/v1/admin/security-config", "POST"),
        ("admin_update_profile", "/api/v1/admin/profile", "PUT"),
    ],
)
def test_an_allowlist_without_the_callers_address_is_refused_and_not_stored(
    name: str, path: str, method: str
) -> None:
    _, token = admin_with_allowlist([])

    refused = call_http(
        name,
        method,
        path,
        headers=from_address("198.51.100.9", token),
        json_body={"ip_whitelist": [OFFICE]},
    )
    kept = call_http(
        name,
        method,
        path,
        headers=from_address(OFFICE, token),
        json_body={"ip_whitelist": [OFFICE]},
    )

    assert refused.status_code == 400, refused.get_body()
    assert "198.51.100.9" in json_of(refused)["detail"]
    assert kept.status_code == 200, kept.get_body()
    assert json_of(kept)["admin"]["ip_whitelist"] == [OFFICE]
