"""An access token verified once is served from the process's claims cache
(shared/security/tokens.py): never past its expiry, never for another key, and never past a
logout or a revoked session, which are read from the database on each request."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared import bootstrap
from shared.domain.errors import AuthenticationRequiredError
from shared.security.tokens import ACCESS, VerifiedAccessTokens, decode_token
from tests.accounts import access_token, load_user
from tests.function_calls import json_of
from tests.functional.auth.conftest import bearer, me, post, register

pytestmark = pytest.mark.usefixtures("database_url")


def _registered_user_tokens(lifetime: timedelta, count: int = 1) -> list[str]:
    registered = register()
    user = load_user(uuid.UUID(registered["user"]["id"]))
    assert user is not None
    return [access_token(user, lifetime=lifetime) for _ in range(count)]


def test_a_token_that_served_requests_is_refused_once_it_expires() -> None:
    [token] = _registered_user_tokens(timedelta(seconds=1))
    assert me(token).status_code == 200
    assert me(token).status_code == 200

    # Wait for the expiry second itself to pass (exp is whole seconds, the cut is exp <= now).
    expires = decode_token(bootstrap.current().settings, token, ACCESS, datetime.now(UTC))
    while time.time() < expires.expires_at.timestamp():
        time.sleep(0.05)
    response = me(token)

    assert response.status_code == 401
    assert json_of(response)["detail"] == "Token has expired"


def test_a_token_that_served_requests_is_refused_after_logout() -> None:
    registered = register()
    token = registered["tokens"]["access_token"]
    assert me(token).status_code == 200

    logout = post(
        "auth_logout",
        "/api/v1/auth/logout",
        {"refresh_token": registered["tokens"]["refresh_token"]},
        headers=bearer(token),
    )
    assert logout.status_code == 204
    response = me(token)

    assert response.status_code == 401
    assert json_of(response)["detail"] == "Token has been revoked"


def test_a_verified_token_is_refused_under_another_secret_key() -> None:
    settings = bootstrap.current().settings
    [token] = _registered_user_tokens(timedelta(minutes=15))
    decode_token(settings, token, ACCESS, datetime.now(UTC))
    rotated = settings.model_copy(update={"SECRET_KEY": settings.SECRET_KEY + "-rotated"})

    with pytest.raises(AuthenticationRequiredError):
        decode_token(rotated, token, ACCESS, datetime.now(UTC))


def test_the_cache_keeps_at_most_its_size_dropping_the_oldest() -> None:
    settings = bootstrap.current().settings
    cache = VerifiedAccessTokens(size=2)
    tokens = _registered_user_tokens(timedelta(minutes=15), count=3)
    for token in tokens:
        cache.add(settings, token, decode_token(settings, token, ACCESS, datetime.now(UTC)))

    assert [cache.get(settings, token) is not None for token in tokens] == [False, True, True]
