"""GET /api/v1/auth/me and POST /api/v1/auth/change-password."""

from __future__ import annotations

from typing import Any

import pytest

from tests.function_calls import call_http, json_of
from tests.functional.auth.conftest import PASSWORD, bearer, login, me, post, register

pytestmark = pytest.mark.usefixtures("database_url")

NEW_PASSWORD = "a brand new passphrase"


def change_password(access_token: str, current: str, new: str = NEW_PASSWORD) -> Any:
    return post(
        "auth_change_password",
        "/api/v1/auth/change-password",
        {"current_password": current, "new_password": new},
        headers=bearer(access_token),
    )


def refresh(refresh_token: str) -> Any:
    return post("auth_refresh", "/api/v1/auth/refresh", {"refresh_token": refresh_token})


def test_me_returns_the_signed_in_user() -> None:
    registered = register()
    response = me(registered["tokens"]["access_token"])
    assert response.status_code == 200
    assert json_of(response) == registered["user"]


def test_me_without_a_token_answers_401_not_authenticated() -> None:
    response = call_http("auth_me", "GET", "/api/v1/auth/me")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Not authenticated"


def test_me_with_a_refresh_token_as_bearer_answers_401() -> None:
    tokens = register()["tokens"]
    response = me(tokens["refresh_token"])
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid token type"


def test_change_password_returns_a_fresh_session_for_this_client() -> None:
    tokens = register()["tokens"]
    response = change_password(tokens["access_token"], PASSWORD)
    assert response.status_code == 200
    body = json_of(response)
    assert body["user"]["email"] == "ada@example.org"
    assert me(body["tokens"]["access_token"]).status_code == 200
    assert refresh(body["tokens"]["refresh_token"]).status_code == 200


def test_change_password_revokes_every_earlier_access_and_refresh_token() -> None:
    first = register()["tokens"]
    other_device = json_of(login())["tokens"]
    change_password(first["access_token"], PASSWORD)
    for tokens in (first, other_device):
        revoked = me(tokens["access_token"])
        assert revoked.status_code == 401
        assert json_of(revoked)["detail"] == "Token has been revoked"
        assert refresh(tokens["refresh_token"]).status_code == 401


def test_change_password_replaces_the_password_used_to_sign_in() -> None:
    tokens = register()["tokens"]
    change_password(tokens["access_token"], PASSWORD)
    assert login(password=PASSWORD).status_code == 401
    assert login(password=NEW_PASSWORD).status_code == 200


def test_change_password_with_a_wrong_current_password_answers_401_and_changes_nothing() -> None:
    tokens = register()["tokens"]
    response = change_password(tokens["access_token"], "not my password")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid password"
    assert me(tokens["access_token"]).status_code == 200
    assert login(password=PASSWORD).status_code == 200


@pytest.mark.parametrize("new", ["short", "x" * 129])
def test_change_password_answers_422_for_a_new_password_outside_8_to_128(new: str) -> None:
    tokens = register()["tokens"]
    assert change_password(tokens["access_token"], PASSWORD, new).status_code == 422


def test_change_password_without_a_token_answers_401() -> None:
    response = post(
        "auth_change_password",
        "/api/v1/auth/change-password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 401
