"""POST /api/v1/auth/register."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shared.domain.tokens import RefreshToken
from shared.domain.users import User
from tests.function_calls import json_of
from tests.functional.auth.conftest import PASSWORD, emails, me, post, register
from tests.unit_of_work import unit_of_work

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


def test_register_creates_a_student_and_answers_201_with_user_and_tokens() -> None:
    body = register("Ada@Example.org")
    assert set(body) == {"user", "tokens"}
    assert set(body["user"]) == USER_FIELDS
    assert body["user"]["email"] == "ada@example.org"
    assert body["user"]["role"] == "student"
    assert body["user"]["is_active"] is True
    assert body["user"]["mfa_enabled"] is False
    assert body["user"]["email_verified_at"] is not None  # verification not required
    tokens = body["tokens"]
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert me(tokens["access_token"]).status_code == 200


def test_register_stores_one_refresh_token_as_a_digest() -> None:
    body = register()
    with unit_of_work() as uow:
        stored = uow.session.scalars(select(RefreshToken)).all()
        uow.session.expunge_all()  # the unit of work rolls back on exit; keep the rows
    assert len(stored) == 1
    assert stored[0].token_hash != body["tokens"]["refresh_token"]
    assert len(stored[0].token_hash) == 64


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_register_refuses_any_role_but_student_with_403(role: str) -> None:
    response = post(
        "auth_register",
        "/api/v1/auth/register",
        {"email": "eve@example.org", "password": PASSWORD, "full_name": "Eve", "role": role},
    )
    assert response.status_code == 403
    assert json_of(response)["detail"] == "Public registration is limited to student accounts"
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(User)) == 0


def test_register_answers_409_when_the_email_is_taken_in_any_case() -> None:
    register("ada@example.org")
    response = post(
        "auth_register",
        "/api/v1/auth/register",
        {"email": "ADA@example.org", "password": PASSWORD, "full_name": "Ada Again"},
    )
    assert response.status_code == 409
    assert json_of(response)["detail"] == "Email is already registered"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "two@@example.org"),
        ("full_name", "A"),
        ("password", "short"),
        ("password", "x" * 129),
    ],
)
def test_register_answers_422_for_a_field_outside_the_contract(field: str, value: str) -> None:
    body = {"email": "ada@example.org", "password": PASSWORD, "full_name": "Ada Lovelace"}
    body[field] = value
    response = post("auth_register", "/api/v1/auth/register", body)
    assert response.status_code == 422
    assert json_of(response)["detail"][0]["loc"] == ["body", field]


def test_register_publishes_a_welcome_email_and_no_link_when_verification_is_not_required() -> None:
    register()
    assert emails() == [
        {
            "type": "email.welcome",
            "payload": {"to": "ada@example.org", "full_name": "Ada Lovelace"},
        }
    ]


def test_register_publishes_a_verification_link_when_verification_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared import bootstrap

    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN", "true")
    bootstrap.reset()
    body = register()
    assert body["user"]["email_verified_at"] is None
    sent = emails()
    assert [m["type"] for m in sent] == ["email.welcome", "email.verify_email"]
    verify = sent[1]["payload"]
    assert set(verify) == {"to", "full_name", "link", "expires_minutes"}
    assert verify["link"].startswith("http://localhost:3000/verify-email?token=")
    assert verify["expires_minutes"] == 1440
