"""POST /api/v1/auth/login and the OAuth2 form at POST /api/v1/auth/token."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt
import pytest
from sqlalchemy import select, update

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.config import get_settings
from shared.domain.users import User
from shared.security.passwords import PasswordHasher
from tests.function_calls import call_http, json_of
from tests.functional.auth.conftest import PASSWORD, login, me, register
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token_grant(fields: dict[str, str], headers: dict[str, str] | None = None) -> object:
    return call_http(
        "auth_token",
        "POST",
        "/api/v1/auth/token",
        headers=headers or FORM,
        body=urlencode(fields).encode(),
    )


@dataclass(frozen=True)
class RecordingHasher(PasswordHasher):
    """The settings' hasher, noting each password it spends a check's time on."""

    burned: list[str] = field(default_factory=list)

    def burn_verification_time(self, password: str) -> None:
        self.burned.append(password)
        super().burn_verification_time(password)


@dataclass(eq=False)
class DependenciesWithHasher(Dependencies):
    """The dependencies, with a password hasher of the test's choosing."""

    hasher: PasswordHasher | None = None

    @property
    def passwords(self) -> PasswordHasher:
        assert self.hasher is not None
        return self.hasher


def _set_user(email: str, **values: object) -> None:
    with unit_of_work() as uow:
        uow.session.execute(update(User).where(User.email == email).values(**values))
        uow.commit()


def test_login_returns_the_user_and_tokens_that_open_me() -> None:
    register()
    response = login("ADA@example.org")
    assert response.status_code == 200
    body = json_of(response)
    assert body["user"]["email"] == "ada@example.org"
    assert me(body["tokens"]["access_token"]).status_code == 200


def test_login_records_the_time_of_the_last_login() -> None:
    register()
    login()
    with unit_of_work() as uow:
        assert uow.session.scalars(select(User.last_login_at)).one() is not None


def test_access_token_lasts_15_minutes_and_carries_the_token_version() -> None:
    register()
    access = json_of(login())["tokens"]["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["typ"] == "access"
    assert claims["ver"] == 0
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_login_with_a_wrong_password_answers_401_invalid_email_or_password() -> None:
    register()
    response = login(password="wrong password")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid email or password"


def test_login_with_an_unknown_email_answers_the_same_401_after_the_same_hashing_work() -> None:
    settings = get_settings()
    hasher = RecordingHasher.from_settings(settings)
    bootstrap.install(DependenciesWithHasher(settings, hasher=hasher))
    burned = hasher.burned
    response = login("nobody@example.org", "any password")
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid email or password"
    assert burned == ["any password"]


def test_login_of_a_disabled_account_answers_401_after_the_right_password_only() -> None:
    register()
    _set_user("ada@example.org", is_active=False)
    assert json_of(login(password="wrong password"))["detail"] == "Invalid email or password"
    response = login()
    assert response.status_code == 401
    assert json_of(response)["detail"] == "User account is disabled"


def test_login_of_an_unverified_account_answers_401_when_verification_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register()
    _set_user("ada@example.org", email_verified_at=None)
    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION_FOR_LOGIN", "true")
    bootstrap.reset()
    response = login()
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Email is not verified"


def test_login_answers_422_without_a_password() -> None:
    response = call_http(
        "auth_login", "POST", "/api/v1/auth/login", json_body={"email": "ada@example.org"}
    )
    assert response.status_code == 422


def test_token_grant_returns_bare_tokens_for_form_credentials() -> None:
    register()
    response = token_grant(
        {"grant_type": "password", "username": "Ada@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert me(body["access_token"]).status_code == 200


def test_token_grant_with_a_wrong_password_answers_401() -> None:
    register()
    response = token_grant({"username": "ada@example.org", "password": "wrong password"})
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Invalid email or password"


def test_token_grant_refuses_a_json_body_with_415() -> None:
    response = call_http(
        "auth_token",
        "POST",
        "/api/v1/auth/token",
        json_body={"username": "ada@example.org", "password": PASSWORD},
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "ada@example.org"}, "password"),
        ({"username": "ada@example.org", "password": PASSWORD, "grant_type": "code"}, "grant_type"),
    ],
)
def test_token_grant_answers_422_naming_the_bad_field(fields: dict[str, str], missing: str) -> None:
    response = token_grant(fields)
    assert response.status_code == 422
    assert json_of(response)["detail"][0]["loc"] == ["body", missing]


def test_token_grant_for_an_mfa_account_answers_400_pointing_at_login() -> None:
    register()
    _set_user("ada@example.org", mfa_enabled=True)
    response = token_grant({"username": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert json_of(response)["detail"] == (
        "MFA is enabled for this account. Use /api/v1/auth/login then /api/v1/auth/login/mfa."
    )


def _stored_hash(email: str) -> str:
    with unit_of_work() as uow:
        return str(uow.session.scalar(select(User.password_hash).where(User.email == email)))


def test_a_hash_made_with_other_parameters_is_replaced_at_the_next_sign_in() -> None:
    register()
    older = PasswordHasher(time_cost=2, memory_kib=16, parallelism=2).hash(PASSWORD)
    _set_user("ada@example.org", password_hash=older)

    assert login(password="wrong password").status_code == 401
    assert _stored_hash("ada@example.org") == older, "a failed sign-in changes nothing"

    assert login().status_code == 200
    current = _stored_hash("ada@example.org")
    assert current != older
    assert "$m=8,t=1,p=1$" in current  # the test profile's parameters (tests/conftest.py)
    assert not bootstrap.current().passwords.needs_rehash(current)
    assert login().status_code == 200
    assert _stored_hash("ada@example.org") == current, "a current hash is left alone"
