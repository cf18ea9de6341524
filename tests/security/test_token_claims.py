"""A validly signed token with claims no datetime can hold is refused with 401, not a 500
(issue 14, case 8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from shared import bootstrap
from shared.security.tokens import ACCESS, ALGORITHM
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of

pytestmark = pytest.mark.usefixtures("database_url")


def signed(**overrides: Any) -> str:
    settings = bootstrap.current().settings
    user, _ = make_user()
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user.id),
        "jti": str(uuid.uuid4()),
        "typ": ACCESS,
        "iat": now,
        "exp": now + 600,
        "ver": user.token_version,
        **overrides,
    }
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


@pytest.mark.parametrize(
    "overrides",
    [{"exp": 10**20}, {"exp": 1e20}, {"iat": "yesterday"}, {"iat": 10**20}, {"iat": None}],
    ids=["exp int 1e20", "exp float 1e20", "iat text", "iat 1e20", "iat null"],
)
def test_impossible_times_in_a_signed_token_are_a_401(overrides: dict[str, Any]) -> None:
    response = call_http("auth_me", "GET", "/api/v1/auth/me", headers=bearer(signed(**overrides)))

    assert response.status_code == 401, response.get_body()
    assert json_of(response)["detail"] in ("Malformed token", "Could not validate credentials")


def test_the_same_token_with_sane_times_is_accepted() -> None:
    response = call_http("auth_me", "GET", "/api/v1/auth/me", headers=bearer(signed()))

    assert response.status_code == 200, response.get_body()
