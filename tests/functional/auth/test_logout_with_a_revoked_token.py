"""POST /api/v1/auth/logout as the reference serves it: the refresh token given is revoked
and the answer is 204 even when the Bearer access token was revoked meanwhile (reference
§1.2: "Revokes the refresh row if still valid ... (idempotent)")."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from shared.domain.tokens import RefreshToken
from tests.accounts import access_token, load_user
from tests.function_calls import json_of
from tests.functional.auth.conftest import bearer, login, me, post, register
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def refresh(refresh_token: str, headers: dict[str, str] | None = None) -> Any:
    return post(
        "auth_refresh", "/api/v1/auth/refresh", {"refresh_token": refresh_token}, headers=headers
    )


def logout(access_token: str, refresh_token: str) -> Any:
    return post(
        "auth_logout",
        "/api/v1/auth/logout",
        {"refresh_token": refresh_token},
        headers=bearer(access_token),
    )


def revoked_reasons() -> list[str | None]:
    with unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(RefreshToken.revoked_reason).order_by(RefreshToken.created_at)
            )
        )


def test_logout_with_an_access_token_revoked_by_a_refresh_still_revokes_the_refresh_token() -> None:
    first = register()["tokens"]
    # A refresh with the access token as Bearer revokes that access token (rotation).
    second = json_of(refresh(first["refresh_token"], headers=bearer(first["access_token"])))
    assert me(first["access_token"]).status_code == 401

    response = logout(first["access_token"], second["tokens"]["refresh_token"])

    assert response.status_code == 204
    assert revoked_reasons() == ["rotated", "logout"]
    assert refresh(second["tokens"]["refresh_token"]).status_code == 401
    # The whole session ends, its newest access token included.
    assert me(second["tokens"]["access_token"]).status_code == 401


def test_logout_repeated_with_the_same_tokens_answers_204_again() -> None:
    tokens = register()["tokens"]

    assert logout(tokens["access_token"], tokens["refresh_token"]).status_code == 204
    assert logout(tokens["access_token"], tokens["refresh_token"]).status_code == 204

    assert revoked_reasons() == ["logout"]


def test_logout_with_a_session_ended_elsewhere_still_revokes_this_sessions_refresh_token() -> None:
    phone = register()["tokens"]
    laptop = json_of(login())["tokens"]
    assert logout(phone["access_token"], phone["refresh_token"]).status_code == 204

    # The phone's access token is revoked; the laptop's refresh token is still the user's.
    response = logout(phone["access_token"], laptop["refresh_token"])

    assert response.status_code == 204
    assert refresh(laptop["refresh_token"]).status_code == 401


def test_a_revoked_access_token_still_opens_nothing_but_logout() -> None:
    tokens = register()["tokens"]
    logout(tokens["access_token"], tokens["refresh_token"])

    response = me(tokens["access_token"])

    assert response.status_code == 401
    assert json_of(response)["detail"] == "Token has been revoked"


def test_logout_with_a_revoked_access_token_of_another_user_answers_401_and_revokes_nothing() -> (
    None
):
    ada = register()["tokens"]
    logout(ada["access_token"], ada["refresh_token"])
    bob = register("bob@example.org")["tokens"]

    response = logout(ada["access_token"], bob["refresh_token"])

    assert response.status_code == 401
    assert json_of(response)["detail"] == "Access token does not match refresh token"
    assert refresh(bob["refresh_token"]).status_code == 200


def test_logout_with_an_expired_access_token_answers_401_and_revokes_nothing() -> None:
    registered = register()
    user = load_user(uuid.UUID(registered["user"]["id"]))
    assert user is not None
    expired = access_token(user, lifetime=timedelta(seconds=-1))

    response = logout(expired, registered["tokens"]["refresh_token"])

    assert response.status_code == 401
    assert json_of(response)["detail"] == "Token has expired"
    assert refresh(registered["tokens"]["refresh_token"]).status_code == 200
