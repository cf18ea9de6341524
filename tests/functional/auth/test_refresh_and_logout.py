"""POST /api/v1/auth/refresh (rotation, reuse detection) and POST /api/v1/auth/logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from shared import bootstrap
from shared.domain.errors import AuthenticationRequiredError
from shared.domain.tokens import RefreshToken
from shared.domain.users import User
from shared.services.identity import sessions
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.auth.conftest import bearer, login, me, post, register
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

INVALID = "Refresh token is invalid or revoked"


def refresh(refresh_token: str, headers: dict[str, str] | None = None) -> Any:
    return post(
        "auth_refresh",
        "/api/v1/auth/refresh",
        {"refresh_token": refresh_token},
        headers=headers,
    )


def logout(access_token: str | None, refresh_token: str) -> Any:
    return post(
        "auth_logout",
        "/api/v1/auth/logout",
        {"refresh_token": refresh_token},
        headers=bearer(access_token) if access_token else None,
    )


def test_refresh_returns_a_new_pair_and_the_user() -> None:
    tokens = register()["tokens"]
    response = refresh(tokens["refresh_token"])
    assert response.status_code == 200
    body = json_of(response)
    assert body["user"]["email"] == "ada@example.org"
    assert body["tokens"]["refresh_token"] != tokens["refresh_token"]
    assert me(body["tokens"]["access_token"]).status_code == 200


def test_refresh_keeps_the_new_token_in_the_same_family() -> None:
    tokens = register()["tokens"]
    refresh(tokens["refresh_token"])
    with unit_of_work() as uow:
        rows = uow.session.scalars(select(RefreshToken).order_by(RefreshToken.created_at)).all()
        uow.session.expunge_all()  # the unit of work rolls back on exit; keep the rows
    assert len(rows) == 2
    assert rows[0].family_id == rows[1].family_id
    assert rows[0].revoked_reason == "rotated"
    assert rows[1].revoked_at is None


def test_a_rotated_refresh_token_presented_again_revokes_the_whole_family() -> None:
    first = register()["tokens"]["refresh_token"]
    second = json_of(refresh(first))["tokens"]["refresh_token"]
    reused = refresh(first)
    assert reused.status_code == 401
    assert json_of(reused)["detail"] == INVALID
    # The token rotated in good faith dies with the stolen one.
    response = refresh(second)
    assert response.status_code == 401
    assert json_of(response)["detail"] == INVALID


def test_reuse_in_one_family_leaves_the_other_sessions_of_the_user_alone() -> None:
    phone = register()["tokens"]["refresh_token"]
    laptop = json_of(login())["tokens"]["refresh_token"]
    refresh(phone)
    refresh(phone)  # reuse: the phone's family is revoked
    assert refresh(laptop).status_code == 200


def test_refresh_with_a_bearer_of_another_user_answers_401() -> None:
    ada = register()["tokens"]
    bob = register("bob@example.org")["tokens"]
    response = refresh(ada["refresh_token"], headers=bearer(bob["access_token"]))
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Access token does not match refresh token"


def test_refresh_with_the_users_bearer_revokes_that_access_token() -> None:
    tokens = register()["tokens"]
    response = refresh(tokens["refresh_token"], headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert me(tokens["access_token"]).status_code == 401
    assert me(json_of(response)["tokens"]["access_token"]).status_code == 200


@pytest.mark.parametrize("which", ["access", "garbage"])
def test_refresh_with_something_else_than_a_refresh_token_answers_401(which: str) -> None:
    tokens = register()["tokens"]
    presented = tokens["access_token"] if which == "access" else "not.a.token"
    assert refresh(presented).status_code == 401


def test_refresh_of_a_disabled_account_answers_401() -> None:
    tokens = register()["tokens"]
    with unit_of_work() as uow:
        uow.session.execute(update(User).values(is_active=False))
        uow.commit()
    assert refresh(tokens["refresh_token"]).status_code == 401


def test_a_refresh_token_is_refused_after_30_days(clock: ManualClock) -> None:
    tokens = register()["tokens"]
    issued = clock()
    clock.set(issued + timedelta(days=30, seconds=1))
    with pytest.raises(AuthenticationRequiredError):
        sessions.refresh(bootstrap.current(), tokens["refresh_token"], None)
    clock.set(issued + timedelta(days=29))
    assert sessions.refresh(bootstrap.current(), tokens["refresh_token"], None).tokens


def test_logout_answers_204_and_revokes_the_access_token() -> None:
    tokens = register()["tokens"]
    response = logout(tokens["access_token"], tokens["refresh_token"])
    assert response.status_code == 204
    assert response.get_body() == b""
    after = me(tokens["access_token"])
    assert after.status_code == 401
    assert json_of(after)["detail"] == "Token has been revoked"


def test_logout_revokes_the_refresh_token() -> None:
    tokens = register()["tokens"]
    logout(tokens["access_token"], tokens["refresh_token"])
    response = refresh(tokens["refresh_token"])
    assert response.status_code == 401
    assert json_of(response)["detail"] == INVALID


def test_logout_leaves_the_users_other_sessions_signed_in() -> None:
    phone = register()["tokens"]
    laptop = json_of(login())["tokens"]
    logout(phone["access_token"], phone["refresh_token"])
    assert me(laptop["access_token"]).status_code == 200
    assert refresh(laptop["refresh_token"]).status_code == 200


def test_logout_without_a_bearer_answers_401_not_authenticated() -> None:
    tokens = register()["tokens"]
    response = logout(None, tokens["refresh_token"])
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Not authenticated"


def test_logout_with_another_users_refresh_token_answers_401_and_revokes_nothing() -> None:
    ada = register()["tokens"]
    bob = register("bob@example.org")["tokens"]
    response = logout(ada["access_token"], bob["refresh_token"])
    assert response.status_code == 401
    assert me(ada["access_token"]).status_code == 200
    assert refresh(bob["refresh_token"]).status_code == 200


@pytest.mark.postgres
def test_two_concurrent_refreshes_of_one_token_let_exactly_one_through() -> None:
    from concurrent.futures import ThreadPoolExecutor

    token = register()["tokens"]["refresh_token"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda _: refresh(token).status_code, range(2)))
    assert statuses == [200, 401]
