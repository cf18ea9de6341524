"""MFA: turning it on and off, and signing in with an e-mailed code."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from shared import bootstrap
from shared.domain.errors import AuthenticationRequiredError
from shared.domain.mfa import MfaCode
from shared.services.identity import mfa
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.auth.conftest import (
    PASSWORD,
    bearer,
    emails,
    last_email,
    login,
    me,
    post,
    register,
)
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def enable_request(access: str, password: str = PASSWORD) -> Any:
    return post(
        "auth_mfa_enable_request",
        "/api/v1/auth/mfa/enable/request",
        {"password": password},
        headers=bearer(access),
    )


def enable_confirm(access: str, code: str) -> Any:
    return post(
        "auth_mfa_enable_confirm",
        "/api/v1/auth/mfa/enable/confirm",
        {"code": code},
        headers=bearer(access),
    )


def disable(access: str, password: str = PASSWORD) -> Any:
    return post(
        "auth_mfa_disable",
        "/api/v1/auth/mfa/disable",
        {"password": password},
        headers=bearer(access),
    )


def login_mfa(challenge: str, code: str, headers: dict[str, str] | None = None) -> Any:
    return post(
        "auth_login_mfa",
        "/api/v1/auth/login/mfa",
        {"challenge_token": challenge, "code": code},
        headers=headers,
    )


def registered_with_mfa() -> str:
    access: str = register()["tokens"]["access_token"]
    enable_request(access)
    assert enable_confirm(access, last_email("email.mfa_setup_code")["code"]).status_code == 200
    return access


def wrong(code: str) -> str:
    return "".join(str((int(d) + 1) % 10) for d in code)


def challenge() -> str:
    response = login()
    assert response.status_code == 200
    token: str = json_of(response)["challenge_token"]
    return token


def test_enable_request_emails_a_setup_code_after_the_password() -> None:
    access = register()["tokens"]["access_token"]
    response = enable_request(access)
    assert response.status_code == 200
    assert json_of(response) == {"message": "A verification code has been sent to your email"}
    payload = last_email("email.mfa_setup_code")
    assert set(payload) == {"to", "full_name", "code", "expires_minutes"}
    assert payload["code"].isdigit() and len(payload["code"]) == 6
    assert payload["expires_minutes"] == 10


def test_enable_request_with_a_wrong_password_answers_401_and_sends_nothing() -> None:
    access = register()["tokens"]["access_token"]
    response = enable_request(access, "not my password")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid password"
    assert emails("email.mfa_setup_code") == []


def test_enable_confirm_with_the_emailed_code_turns_mfa_on() -> None:
    access = register()["tokens"]["access_token"]
    enable_request(access)
    response = enable_confirm(access, last_email("email.mfa_setup_code")["code"])
    assert response.status_code == 200
    assert json_of(response) == {"message": "MFA has been enabled successfully"}
    assert json_of(me(access))["mfa_enabled"] is True


def test_enable_confirm_with_a_wrong_code_answers_401_and_leaves_mfa_off() -> None:
    access = register()["tokens"]["access_token"]
    enable_request(access)
    response = enable_confirm(access, wrong(last_email("email.mfa_setup_code")["code"]))
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid MFA code"
    assert json_of(me(access))["mfa_enabled"] is False


def test_enable_confirm_without_a_requested_code_answers_401() -> None:
    access = register()["tokens"]["access_token"]
    assert enable_confirm(access, "123456").status_code == 401


def test_enable_request_when_mfa_is_on_answers_the_same_and_sends_no_code() -> None:
    access = registered_with_mfa()
    response = enable_request(access)
    assert response.status_code == 200
    assert len(emails("email.mfa_setup_code")) == 1


def test_login_of_an_mfa_account_returns_a_challenge_and_emails_a_code() -> None:
    registered_with_mfa()
    response = login()
    assert response.status_code == 200
    body = json_of(response)
    assert body["mfa_required"] is True
    assert body["message"] == "MFA verification required"
    assert body["expires_in_seconds"] == 600
    assert "tokens" not in body
    payload = last_email("email.mfa_login_code")
    assert set(payload) == {"to", "full_name", "code", "expires_minutes"}
    assert payload["to"] == "ada@example.org"


def test_login_mfa_with_the_emailed_code_returns_tokens() -> None:
    registered_with_mfa()
    token = challenge()
    response = login_mfa(token, last_email("email.mfa_login_code")["code"])
    assert response.status_code == 200
    body = json_of(response)
    assert body["user"]["mfa_enabled"] is True
    assert me(body["tokens"]["access_token"]).status_code == 200


def test_a_login_code_works_once() -> None:
    registered_with_mfa()
    token = challenge()
    code = last_email("email.mfa_login_code")["code"]
    assert login_mfa(token, code).status_code == 200
    again = login_mfa(token, code)
    assert again.status_code == 401
    assert json_of(again)["detail"] == "MFA challenge expired or invalid"


def test_login_mfa_with_a_wrong_code_answers_401_invalid_mfa_code() -> None:
    registered_with_mfa()
    token = challenge()
    response = login_mfa(token, wrong(last_email("email.mfa_login_code")["code"]))
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid MFA code"


def test_five_wrong_codes_spend_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lift the account lockout out of the way so only the code's own limit shows.
    monkeypatch.setenv("MAX_FAILED_LOGIN_ATTEMPTS", "20")
    bootstrap.reset()
    registered_with_mfa()
    token = challenge()
    code = last_email("email.mfa_login_code")["code"]
    for _ in range(5):
        assert login_mfa(token, wrong(code)).status_code == 401
    response = login_mfa(token, code)
    assert response.status_code == 401
    assert json_of(response)["detail"] == "MFA challenge expired or invalid"
    with unit_of_work() as uow:
        stored = uow.session.scalars(select(MfaCode).where(MfaCode.purpose == "login")).one()
        uow.session.expunge_all()  # the unit of work rolls back on exit; keep the rows
    assert stored.failed_attempts == 5
    assert stored.used_at is not None


def test_wrong_codes_count_towards_the_account_lockout() -> None:
    registered_with_mfa()
    code = ""
    for _ in range(5):
        token = challenge()  # a new challenge does not restart the count
        code = last_email("email.mfa_login_code")["code"]
        assert login_mfa(token, wrong(code)).status_code == 401
    locked = login()
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_mfa_entry_is_refused_while_the_account_is_locked() -> None:
    registered_with_mfa()
    token = challenge()
    code = last_email("email.mfa_login_code")["code"]
    for _ in range(5):
        assert login(password="wrong password").status_code == 401
    response = login_mfa(token, code)
    assert response.status_code == 429
    assert json_of(response)["detail"].startswith("Account temporarily locked")
    assert 0 < int(response.headers["Retry-After"]) <= 900


def test_only_the_latest_login_code_works() -> None:
    registered_with_mfa()
    first = challenge()
    first_code = last_email("email.mfa_login_code")["code"]
    challenge()
    assert login_mfa(first, first_code).status_code == 401


def test_login_mfa_with_a_bad_challenge_answers_401() -> None:
    registered_with_mfa()
    response = login_mfa("not.a.token", "123456")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "MFA challenge expired or invalid"


def test_a_login_code_expires_with_its_challenge(clock: ManualClock) -> None:
    registered_with_mfa()
    token = challenge()
    code = last_email("email.mfa_login_code")["code"]
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(AuthenticationRequiredError, match="MFA challenge expired or invalid"):
        mfa.complete_login(bootstrap.current(), challenge_token=token, code=code, client_ip=None)


def test_disable_with_the_password_turns_mfa_off_and_login_returns_tokens_again() -> None:
    access = registered_with_mfa()
    response = disable(access)
    assert response.status_code == 200
    assert json_of(response) == {"message": "MFA has been disabled successfully"}
    assert "tokens" in json_of(login())


def test_disable_with_a_wrong_password_answers_401_and_keeps_mfa_on() -> None:
    access = registered_with_mfa()
    response = disable(access, "not my password")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid password"
    assert json_of(me(access))["mfa_enabled"] is True


def test_a_challenge_started_before_mfa_was_disabled_is_refused() -> None:
    access = registered_with_mfa()
    token = challenge()
    code = last_email("email.mfa_login_code")["code"]
    disable(access)
    assert login_mfa(token, code).status_code == 401
