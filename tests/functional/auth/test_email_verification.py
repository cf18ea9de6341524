"""POST /api/v1/auth/verify-email/request and /verify-email/confirm."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, update

from shared import bootstrap
from shared.domain.users import User
from tests.function_calls import json_of
from tests.functional.auth.conftest import (
    emails,
    last_email,
    login,
    post,
    register,
    token_from_link,
)
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

SENT = "If the email is registered, a verification link has been sent"


@pytest.fixture(autouse=True)
def verification_required(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN", "true")
    bootstrap.reset()


def request_link(email: str) -> Any:
    return post("auth_verify_email_request", "/api/v1/auth/verify-email/request", {"email": email})


def confirm(token: str) -> Any:
    return post("auth_verify_email_confirm", "/api/v1/auth/verify-email/confirm", {"token": token})


def verification_token() -> str:
    return token_from_link(last_email("email.verify_email")["link"])


def test_confirm_marks_the_address_verified_and_opens_login() -> None:
    register()
    assert login().status_code == 401
    response = confirm(verification_token())
    assert response.status_code == 200
    assert json_of(response) == {"message": "Email has been verified successfully"}
    assert login().status_code == 200


def test_a_verification_token_works_once() -> None:
    register()
    token = verification_token()
    assert confirm(token).status_code == 200
    again = confirm(token)
    assert again.status_code == 401
    assert json_of(again)["detail"] == "This verification link has already been used"


def test_request_sends_a_new_link_to_an_unverified_address() -> None:
    register()
    response = request_link("ADA@example.org")
    assert response.status_code == 200
    assert json_of(response) == {"message": SENT}
    assert len(emails("email.verify_email")) == 2
    assert confirm(verification_token()).status_code == 200


@pytest.mark.postgres
def test_ten_verification_requests_for_one_address_send_at_most_three_links() -> None:
    register()
    before = len(emails("email.verify_email"))  # the link sent at sign-up is not budgeted
    answers = {request_link("ada@example.org").get_body() for _ in range(10)}
    assert len(answers) == 1
    assert len(emails("email.verify_email")) == before + 3


@pytest.mark.parametrize("email", ["nobody@example.org", "ada@example.org"])
def test_request_answers_the_same_and_sends_nothing_for_unknown_or_verified_addresses(
    email: str,
) -> None:
    register()
    assert confirm(verification_token()).status_code == 200
    before = len(emails("email.verify_email"))
    response = request_link(email)
    assert response.status_code == 200
    assert json_of(response) == {"message": SENT}
    assert len(emails("email.verify_email")) == before


def test_confirm_with_a_bad_token_answers_401() -> None:
    assert confirm("not.a.token").status_code == 401


def test_confirm_for_a_user_that_no_longer_exists_answers_404() -> None:
    register()
    token = verification_token()
    with unit_of_work() as uow:
        uow.session.execute(delete(User))
        uow.commit()
    response = confirm(token)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "User not found"


def test_a_link_sent_to_an_old_address_does_not_verify_the_new_one() -> None:
    register()
    token = verification_token()
    with unit_of_work() as uow:
        uow.session.execute(update(User).values(email="ada.new@example.org"))
        uow.commit()
    assert confirm(token).status_code == 401


def test_emails_carry_tokens_only_inside_their_link() -> None:
    register()
    post("auth_forgot_password", "/api/v1/auth/forgot-password", {"email": "ada@example.org"})
    for kind in ("email.verify_email", "email.password_reset"):
        payload = last_email(kind)
        token = token_from_link(payload["link"])
        others = [str(v) for k, v in payload.items() if k != "link"]
        assert all(token not in text for text in others), kind
        assert all("token" not in key for key in payload), kind


def test_a_student_an_admin_adds_gets_a_verification_link_when_verification_is_required() -> None:
    from shared.schemas.accounts import UserCreate
    from shared.services.identity.users import create_student

    data = UserCreate(email="added@example.org", full_name="Added", password="s3cret-pass")
    created = create_student(bootstrap.current(), data)

    assert created.email_verified_at is None
    links = emails("email.verify_email")
    assert [link["payload"]["to"] for link in links] == ["added@example.org"]


def test_an_account_verified_at_creation_gets_no_link(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.schemas.accounts import UserCreate
    from shared.services.identity.users import create_student

    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN", "false")
    bootstrap.reset()
    data = UserCreate(email="added@example.org", full_name="Added", password="s3cret-pass")
    created = create_student(bootstrap.current(), data)

    assert created.email_verified_at is not None
    assert emails("email.verify_email") == []
