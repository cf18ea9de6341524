"""Tokens are compact JWS signed with HS256 and checked by shared/security/tokens.py itself.

joserfc, a JOSE library written independently of this module, signs and reads tokens here:
what it makes with the right key and claims is accepted, what this module makes it reads,
and every way a token can be forged, altered, stale or malformed is refused with a 401.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from shared.config import Settings
from shared.domain.errors import AuthenticationRequiredError
from shared.security.tokens import ACCESS, REFRESH, decode_token, issue_token

SETTINGS = Settings.model_validate({"ENVIRONMENT": "test"})
KEY = OctKey.import_key(SETTINGS.SECRET_KEY)
INVALID = "Could not validate credentials"


def claims(**overrides: Any) -> dict[str, Any]:
    at = int(time.time())  # expiry is judged by the wall clock, at each test's own time
    values = {
        "iss": SETTINGS.JWT_ISSUER,
        "aud": SETTINGS.JWT_AUDIENCE,
        "sub": str(uuid.uuid4()),
        "jti": str(uuid.uuid4()),
        "typ": ACCESS,
        "iat": at,
        "exp": at + 900,
        "ver": 0,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def signed(values: dict[str, Any], header: dict[str, Any] | None = None, key: Any = KEY) -> str:
    header = header or {"alg": "HS256"}
    return jwt.encode(header, values, key, algorithms=[header["alg"]])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_by_hand(header: dict[str, Any], payload: bytes) -> str:
    """What joserfc will not make: a token with any header or payload, correctly signed."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    signature = hmac.digest(SETTINGS.SECRET_KEY.encode(), signing_input.encode(), "sha256")
    return f"{signing_input}.{b64(signature)}"


def refused(token: str, detail: str = INVALID, kind: str = ACCESS) -> None:
    with pytest.raises(AuthenticationRequiredError) as caught:
        decode_token(SETTINGS, token, kind)
    assert caught.value.detail == detail


def test_a_token_made_here_is_read_by_an_independent_library_and_here() -> None:
    subject = uuid.uuid4()
    now = datetime.fromtimestamp(int(time.time()), UTC)  # a token holds whole seconds
    issued = issue_token(SETTINGS, ACCESS, subject, timedelta(minutes=15), now, ver=3)

    read = jwt.decode(issued.token, KEY)
    assert read.header == {"alg": "HS256", "typ": "JWT"}
    assert read.claims["sub"] == str(subject)
    assert read.claims["aud"] == SETTINGS.JWT_AUDIENCE
    ours = decode_token(SETTINGS, issued.token, ACCESS)
    assert (ours.subject, ours.jti, ours.expires_at) == (subject, issued.jti, issued.expires_at)
    assert ours.extra == {"ver": 3}


def test_a_token_signed_by_an_independent_library_with_the_key_is_accepted() -> None:
    values = claims(fam="session-1")

    decoded = decode_token(SETTINGS, signed(values), ACCESS)

    assert str(decoded.subject) == values["sub"]
    assert decoded.issued_at == datetime.fromtimestamp(values["iat"], UTC)
    assert decoded.extra == {"ver": 0, "fam": "session-1"}


def test_an_audience_list_that_names_this_api_is_accepted() -> None:
    values = claims(aud=["another-api", SETTINGS.JWT_AUDIENCE])
    assert decode_token(SETTINGS, signed(values), ACCESS).extra == {"ver": 0}


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"aud": ["another-api"]},
        {"aud": {"lms-api": True}},
        {"nbf": int(time.time()) + 3600},
        {"exp": str(int(time.time()) + 3600)},
        {"exp": True},
        {"nbf": "later"},
    ],
    ids=[
        "other issuer",
        "other audience",
        "audience list without this api",
        "audience object",
        "not before later",
        "exp as text",
        "exp as boolean",
        "nbf as text",
    ],
)
def test_claims_that_do_not_hold_are_refused(overrides: dict[str, Any]) -> None:
    refused(signed(claims(**overrides)))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "jti", "typ", "iss", "aud"])
def test_a_token_without_a_required_claim_is_refused(claim: str) -> None:
    values = claims()
    del values[claim]
    refused(signed(values))


def test_a_token_past_its_expiry_is_refused_as_expired() -> None:
    now = int(time.time())

    assert decode_token(SETTINGS, signed(claims(exp=now + 5)), ACCESS)
    refused(signed(claims(exp=now)), "Token has expired")
    refused(signed(claims(iat=now - 86400, exp=now - 3600)), "Token has expired")


def test_a_token_of_another_type_is_refused() -> None:
    refused(signed(claims(typ=REFRESH)), "Invalid token type")


def test_a_signature_made_with_another_key_is_refused() -> None:
    refused(signed(claims(), key=OctKey.import_key("another secret key of 32 bytes!!")))


def test_a_changed_payload_is_refused() -> None:
    header, _, signature = signed(claims()).split(".")
    payload = b64(json.dumps(claims(sub=str(uuid.uuid4()))).encode())
    refused(f"{header}.{payload}.{signature}")


@pytest.mark.parametrize(
    "header",
    [{"alg": "HS512"}, {"alg": "HS384"}],
)
def test_another_algorithm_is_refused(header: dict[str, Any]) -> None:
    refused(signed(claims(), header=header))


def test_a_critical_extension_is_refused_even_when_signed() -> None:
    header = {"alg": "HS256", "crit": ["urn:example:policy"], "urn:example:policy": "x"}
    refused(signed_by_hand(header, json.dumps(claims()).encode()))


@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"], ids=["empty", "any"])
def test_an_unsigned_token_is_refused(signature: str) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims()).encode())
    refused(f"{header}.{payload}.{signature}")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.rsplit(".", 1)[0],
        lambda t: f"{t}.{t.split('.')[2]}",
        lambda t: t + "=",
        lambda t: t.replace(".", ".+", 1),
        lambda t: t[:-1] + "é",
        lambda t: t + "A",
        lambda t: t + "AB",
        lambda t: "",
        lambda t: "..",
        lambda t: f"{b64(b'[1, 2]')}.{t.split('.', 1)[1]}",
        lambda t: f"{b64(b'not json')}.{t.split('.', 1)[1]}",
        lambda t: f"{b64(bytes([0xFF, 0xFE]))}.{t.split('.', 1)[1]}",
        lambda t: f"{b64(b'[' * 100_000)}.{t.split('.', 1)[1]}",
    ],
    ids=[
        "two segments",
        "four segments",
        "padding",
        "a character outside base64url",
        "a non-ASCII character",
        "a longer signature",
        "a signature of a length base64 never has",
        "empty",
        "three empty segments",
        "a header that is not an object",
        "a header that is not JSON",
        "a header that is not UTF-8",
        "a header nested deeper than the JSON parser goes",
    ],
)
def test_a_malformed_token_is_refused(mangle: Any) -> None:
    refused(mangle(signed(claims())))


@pytest.mark.parametrize("payload", [b"[1, 2, 3]", b"not json", b"\xff\xfe"])
def test_a_payload_that_is_not_a_json_object_is_refused_even_when_signed(payload: bytes) -> None:
    refused(signed_by_hand({"alg": "HS256"}, payload))


def test_the_signature_is_checked_before_the_claims() -> None:
    """A forged token learns nothing from the answer: not even that it has expired."""
    expired = claims(exp=int(time.time()) - 3600)
    refused(signed(expired, key=OctKey.import_key("another secret key of 32 bytes!!")), INVALID)
