"""POST /api/v1/users and PATCH /api/v1/users/{id}."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from shared import bootstrap
from shared.domain.tokens import RefreshToken
from shared.domain.users import Role, User
from tests.accounts import PASSWORD, bearer, load_user, make_user
from tests.function_calls import call_http, json_of
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _admin_token() -> str:
    return make_user(role=Role.ADMIN, admin_setup_complete=True)[1]


def _create(body: dict[str, Any], token: str | None = None) -> Any:
    return call_http(
        "users_create",
        "POST",
        "/api/v1/users",
        headers=bearer(token or _admin_token()),
        json_body=body,
    )


def _patch(user_id: uuid.UUID | str, body: dict[str, Any], token: str | None = None) -> Any:
    return call_http(
        "users_update",
        "PATCH",
        f"/api/v1/users/{user_id}",
        headers=bearer(token or _admin_token()),
        json_body=body,
        route_params={"user_id": str(user_id)},
    )


def _add_refresh_token(user_id: uuid.UUID) -> uuid.UUID:
    now = datetime.now(UTC)
    token_id = uuid.uuid4()
    with unit_of_work() as uow:
        uow.session.add(
            RefreshToken(
                id=token_id,
                user_id=user_id,
                family_id=uuid.uuid4(),
                token_hash=uuid.uuid4().hex * 2,
                created_at=now,
                expires_at=now + timedelta(days=30),
            )
        )
        uow.commit()
    return token_id


def _refresh_token(token_id: uuid.UUID) -> RefreshToken:
    with unit_of_work() as uow:
        token = uow.session.scalar(select(RefreshToken).where(RefreshToken.id == token_id))
        assert token is not None
        uow.session.expunge(token)
        return token


def test_create_adds_a_student_with_a_lower_cased_email_and_a_hashed_password() -> None:
    response = _create(
        {
            "email": " New.Student@Example.ORG ",
            "full_name": "New Student",
            "password": "s3cret-pass",
        }
    )
    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["email"] == "new.student@example.org"
    assert body["role"] == "student"
    assert body["is_active"] is True
    stored = load_user(uuid.UUID(body["id"]))
    assert stored is not None
    assert bootstrap.current().passwords.verify(stored.password_hash, "s3cret-pass")


@pytest.mark.parametrize("role", ["admin", "instructor"])
def test_create_refuses_privileged_roles_with_400_naming_the_right_route(role: str) -> None:
    response = _create(
        {"email": "x@example.org", "full_name": "X Y", "password": "s3cret-pass", "role": role}
    )
    assert response.status_code == 400
    assert (
        json_of(response)["detail"]
        == "Use /admin/setup or /instructors/register to create privileged accounts"
    )


def test_create_with_an_email_already_registered_is_409() -> None:
    make_user(email="taken@example.org")
    response = _create(
        {"email": "TAKEN@example.org", "full_name": "X Y", "password": "s3cret-pass"}
    )
    assert response.status_code == 409
    assert json_of(response)["detail"] == "Email is already registered"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "full_name": "X Y", "password": "s3cret-pass"},
        {"email": "a@example.org", "full_name": "X", "password": "s3cret-pass"},
        {"email": "a@example.org", "full_name": "X Y", "password": "short"},
        {"email": "a@example.org", "full_name": "X Y", "password": "p" * 129},
        {"email": "a@example.org", "full_name": "X Y", "password": "s3cret-pass", "role": "god"},
        {"full_name": "X Y", "password": "s3cret-pass"},
    ],
)
def test_create_refuses_an_invalid_body_with_422(body: dict[str, Any]) -> None:
    assert _create(body).status_code == 422


def test_update_changes_name_and_demotes_to_student_ignoring_nulls() -> None:
    user, _ = make_user(role=Role.INSTRUCTOR, full_name="Old Name")
    response = _patch(user.id, {"full_name": "New Name", "role": "student", "is_active": None})
    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["full_name"] == "New Name"
    assert body["role"] == "student"
    assert body["is_active"] is True


def test_update_with_an_empty_body_changes_nothing() -> None:
    user, token = make_user(full_name="Same Name")
    response = _patch(user.id, {})
    assert response.status_code == 200
    assert json_of(response)["full_name"] == "Same Name"
    assert (
        call_http("users_me", "GET", "/api/v1/users/me", headers=bearer(token)).status_code == 200
    )


@pytest.mark.parametrize("role", ["admin", "instructor"])
def test_update_refuses_to_assign_privileged_roles_with_400(role: str) -> None:
    user, _ = make_user()
    response = _patch(user.id, {"role": role})
    assert response.status_code == 400
    assert (
        json_of(response)["detail"]
        == "Use /admin/setup or /instructors/register to assign privileged roles"
    )
    stored = load_user(user.id)
    assert stored is not None and stored.role == "student"


def test_update_of_an_unknown_user_is_404() -> None:
    response = _patch(uuid.uuid4(), {"full_name": "Nobody Here"})
    assert response.status_code == 404
    assert json_of(response)["detail"] == "User not found"


def test_new_password_is_hashed_and_ends_every_session_of_the_user() -> None:
    user, old_token = make_user()
    refresh_id = _add_refresh_token(user.id)

    response = _patch(user.id, {"password": "a brand new password"})

    assert response.status_code == 200
    stored = load_user(user.id)
    assert stored is not None
    assert bootstrap.current().passwords.verify(stored.password_hash, "a brand new password")
    assert not bootstrap.current().passwords.verify(stored.password_hash, PASSWORD)
    assert stored.token_version == user.token_version + 1
    old = call_http("users_me", "GET", "/api/v1/users/me", headers=bearer(old_token))
    assert old.status_code == 401
    assert json_of(old)["detail"] == "Token has been revoked"
    assert _refresh_token(refresh_id).revoked_at is not None


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them() -> None:
    user, old_token = make_user()
    refresh_id = _add_refresh_token(user.id)

    assert _patch(user.id, {"is_active": False}).status_code == 200
    stored = load_user(user.id)
    assert stored is not None and stored.is_active is False
    assert stored.token_version == 1
    assert _refresh_token(refresh_id).revoked_at is not None

    assert json_of(_patch(user.id, {"is_active": True}))["is_active"] is True
    again = load_user(user.id)
    assert again is not None and again.token_version == 1
    old = call_http("users_me", "GET", "/api/v1/users/me", headers=bearer(old_token))
    assert old.status_code == 401


def test_a_name_change_leaves_sessions_alone() -> None:
    user, token = make_user()
    refresh_id = _add_refresh_token(user.id)
    assert _patch(user.id, {"full_name": "Renamed Person"}).status_code == 200
    assert (
        call_http("users_me", "GET", "/api/v1/users/me", headers=bearer(token)).status_code == 200
    )
    assert _refresh_token(refresh_id).revoked_at is None


@pytest.mark.parametrize(
    "body", [{"full_name": "X"}, {"password": "short"}, {"role": "root"}, {"is_active": "maybe"}]
)
def test_update_refuses_an_invalid_body_with_422(body: dict[str, Any]) -> None:
    user, _ = make_user()
    assert _patch(user.id, body).status_code == 422


def test_created_users_appear_in_the_database_once() -> None:
    _create({"email": "once@example.org", "full_name": "Only Once", "password": "s3cret-pass"})
    with unit_of_work() as uow:
        emails = uow.session.scalars(select(User.email).where(User.email == "once@example.org"))
        assert list(emails) == ["once@example.org"]
