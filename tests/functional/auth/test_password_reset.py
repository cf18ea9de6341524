"""POST /api/v1/auth/forgot-password and POST /api/v1/auth/reset-password."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from shared.domain.users import User
from shared.messages.emails import PasswordResetEmail
from tests.function_calls import json_of
from tests.functional.auth.conftest import (
    PASSWORD,
    deliver_emails,
    emails,
    last_email,
    login,
    maildir_messages,
    me,
    post,
    register,
    token_from_link,
)
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

SENT = "If the email is registered, a reset link has been sent"
NEW_PASSWORD = "a brand new passphrase"


def forgot(email: str) -> Any:
    return post("auth_forgot_password", "/api/v1/auth/forgot-password", {"email": email})


def reset(token: str, new_password: str = NEW_PASSWORD) -> Any:
    return post(
        "auth_reset_password",
        "/api/v1/auth/reset-password",
        {"token": token, "new_password": new_password},
    )


def reset_token() -> str:
    forgot("ada@example.org")
    return token_from_link(last_email("email.password_reset")["link"])


@pytest.mark.parametrize("email", ["ada@example.org", "nobody@example.org"])
def test_forgot_password_answers_the_same_200_whether_or_not_the_email_exists(
    email: str,
) -> None:
    register()
    response = forgot(email)
    assert response.status_code == 200
    assert json_of(response) == {"message": SENT}


@pytest.mark.postgres
def test_ten_forgot_password_calls_for_one_address_mail_it_three_links_and_answer_alike() -> None:
    register()
    answers = [forgot("ada@example.org") for _ in range(10)]
    assert {(a.status_code, a.get_body()) for a in answers} == {(200, answers[0].get_body())}
    deliver_emails()
    # By subject, not by position: Maildir file names do not sort in the order of writing.
    resets = [
        m
        for m in maildir_messages()
        if m["To"] == "ada@example.org" and m["Subject"] == PasswordResetEmail.subject
    ]
    assert len(resets) == 3
    assert all("reset-password?token=" in m.get_body(("plain",)).get_content() for m in resets)


def test_the_mail_budget_of_one_address_leaves_other_addresses_theirs() -> None:
    register()
    register("bob@example.org", full_name="Bob")
    for _ in range(5):
        forgot("ada@example.org")
    forgot("bob@example.org")
    sent = emails("email.password_reset")
    assert [m["payload"]["to"] for m in sent].count("ada@example.org") == 3
    assert [m["payload"]["to"] for m in sent].count("bob@example.org") == 1


def test_forgot_password_emails_a_link_to_a_registered_address_only() -> None:
    register()
    forgot("nobody@example.org")
    assert emails("email.password_reset") == []
    forgot("ADA@example.org")
    payload = last_email("email.password_reset")
    assert set(payload) == {"to", "full_name", "link", "expires_minutes"}
    assert payload["to"] == "ada@example.org"
    assert payload["full_name"] == "Ada Lovelace"
    assert payload["expires_minutes"] == 30
    assert payload["link"].startswith("http://localhost:3000/reset-password?token=")


def test_forgot_password_sends_nothing_to_a_disabled_account() -> None:
    register()
    with unit_of_work() as uow:
        uow.session.execute(update(User).values(is_active=False))
        uow.commit()
    assert forgot("ada@example.org").status_code == 200
    assert emails("email.password_reset") == []


def test_reset_sets_the_new_password() -> None:
    register()
    response = reset(reset_token())
    assert response.status_code == 200
    assert json_of(response) == {"message": "Password has been reset successfully"}
    assert login(password=PASSWORD).status_code == 401
    assert login(password=NEW_PASSWORD).status_code == 200


def test_a_reset_token_works_once() -> None:
    register()
    token = reset_token()
    assert reset(token).status_code == 200
    again = reset(token, "yet another passphrase")
    assert again.status_code == 401
    assert "already been used" in json_of(again)["detail"]
    assert login(password=NEW_PASSWORD).status_code == 200


def test_reset_revokes_existing_access_and_refresh_tokens() -> None:
    tokens = register()["tokens"]
    reset(reset_token())
    response = me(tokens["access_token"])
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Token has been revoked"
    refreshed = post(
        "auth_refresh", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


def test_a_reset_link_sent_before_another_reset_no_longer_works() -> None:
    register()
    older = reset_token()
    newer = reset_token()
    assert reset(newer).status_code == 200
    response = reset(older, "yet another passphrase")
    assert response.status_code == 401
    assert "no longer valid" in json_of(response)["detail"]


@pytest.mark.parametrize("kind", ["garbage", "access"])
def test_reset_with_something_else_than_a_reset_token_answers_401(kind: str) -> None:
    tokens = register()["tokens"]
    token = "not.a.token" if kind == "garbage" else tokens["access_token"]
    assert reset(token).status_code == 401


def test_reset_answers_422_for_a_short_new_password() -> None:
    register()
    assert reset(reset_token(), "short").status_code == 422


@pytest.mark.postgres
def test_two_concurrent_resets_with_one_token_let_exactly_one_through() -> None:
    from concurrent.futures import ThreadPoolExecutor

    register()
    token = reset_token()
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(
            pool.map(lambda n: reset(token, f"new passphrase {n}").status_code, [1, 2])
        )
    assert statuses == [200, 401]
