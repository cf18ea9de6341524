"""An admin profile's `mfa_required` is enforced (issue 14, case 12): such an admin signs in
with the password and an e-mailed code, never the password alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from shared.domain.admins import AdminProfile
from shared.domain.users import Role, User
from shared.services.identity.sign_in import MFA_NEEDS_LOGIN
from tests.accounts import PASSWORD, make_user
from tests.function_calls import call_http, json_of
from tests.functional.auth.conftest import last_email, me, post
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def admin(mfa_required: bool) -> User:
    user, _ = make_user(role=Role.ADMIN, admin_setup_complete=True)
    with unit_of_work() as uow:
        uow.session.execute(
            update(AdminProfile)
            .where(AdminProfile.user_id == user.id)
            .values(mfa_required=mfa_required)
        )
        uow.commit()
    return user


def login(user: User) -> Any:
    return post("auth_login", "/api/v1/auth/login", {"email": user.email, "password": PASSWORD})


def test_an_admin_who_must_use_mfa_gets_a_challenge_not_tokens() -> None:
    user = admin(mfa_required=True)

    response = login(user)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["mfa_required"] is True and "tokens" not in body
    code = last_email("email.mfa_login_code")["code"]
    signed_in = post(
        "auth_login_mfa",
        "/api/v1/auth/login/mfa",
        {"challenge_token": body["challenge_token"], "code": code},
    )
    assert signed_in.status_code == 200, signed_in.get_body()
    assert me(json_of(signed_in)["tokens"]["access_token"]).status_code == 200


def test_the_password_grant_is_refused_to_an_admin_who_must_use_mfa() -> None:
    user = admin(mfa_required=True)

    response = call_http(
        "auth_token",
        "POST",
        "/api/v1/auth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"username={user.email}&password={PASSWORD}".encode(),
    )

    assert response.status_code == 400, response.get_body()
    assert json_of(response)["detail"] == MFA_NEEDS_LOGIN


def test_an_admin_without_the_requirement_signs_in_with_the_password() -> None:
    user = admin(mfa_required=False)

    response = login(user)

    assert response.status_code == 200
    assert "tokens" in json_of(response)
