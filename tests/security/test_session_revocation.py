"""Revoking a session revokes its access tokens at once, not when they expire (issue 14,
case 11): a reused refresh token and a logout end every access token of that session."""

from __future__ import annotations

from typing import Any

import pytest

from tests.function_calls import json_of
from tests.functional.auth.conftest import bearer, login, me, post, register

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def refresh(refresh_token: str) -> Any:
    return post("auth_refresh", "/api/v1/auth/refresh", {"refresh_token": refresh_token})


def test_reusing_a_rotated_refresh_token_ends_the_sessions_access_tokens() -> None:
    first = register()["tokens"]
    second = json_of(refresh(first["refresh_token"]))["tokens"]
    assert me(second["access_token"]).status_code == 200

    reused = refresh(first["refresh_token"])  # a copy of the rotated token: theft

    assert reused.status_code == 401
    for access in (first["access_token"], second["access_token"]):
        response = me(access)
        assert response.status_code == 401, response.get_body()
        assert json_of(response)["detail"] == "Token has been revoked"
    assert refresh(second["refresh_token"]).status_code == 401


def test_another_session_of_the_same_user_keeps_working() -> None:
    stolen = register()["tokens"]
    other = json_of(login())["tokens"]
    refresh(stolen["refresh_token"])

    refresh(stolen["refresh_token"])  # reuse in the first session only

    assert me(other["access_token"]).status_code == 200
    assert refresh(other["refresh_token"]).status_code == 200


def test_logout_ends_every_access_token_of_the_session() -> None:
    first = register()["tokens"]
    second = json_of(refresh(first["refresh_token"]))["tokens"]
    # refresh without a Bearer leaves the first access token alive until logout

    response = post(
        "auth_logout",
        "/api/v1/auth/logout",
        {"refresh_token": second["refresh_token"]},
        headers=bearer(second["access_token"]),
    )

    assert response.status_code in (200, 204), response.get_body()
    assert me(first["access_token"]).status_code == 401
    assert me(second["access_token"]).status_code == 401
