"""The signed credential: an Open Badges 3.0 OpenBadgeCredential as a VC-JWT (RS256), checked
here with joserfc, a JOSE library independent of the PyJWT that signs it, against the key set
the API publishes, and by POST /verify-credential, which says which check failed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc import jwk, jwt
from joserfc.errors import BadSignatureError

from tests.accounts import make_user
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.certificates.calls import (
    World,
    admin_token,
    certified_world,
    completed_world,
    credential,
    issue,
    issuer,
    jwks,
    revoke,
    verify_credential,
)

pytestmark = pytest.mark.usefixtures("database_url")
ISSUER = "http://localhost:7071/api/v1/certificates/issuer"


def _credential_of(world: World) -> str:
    response = credential(world.student_token, world.certificate_id)
    assert response.status_code == 200
    token: str = json_of(response)["credential"]
    return token


def _published_keys() -> jwk.KeySet:
    return jwk.KeySet.import_key_set(json_of(jwks()))


def _checks(token: Any) -> dict[str, Any]:
    response = verify_credential(token)
    assert response.status_code == 200
    body: dict[str, Any] = json_of(response)
    return body


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    payload = _segments(token)[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def test_the_credential_verifies_with_an_independent_library_and_the_published_keys() -> None:
    world = certified_world()
    token = _credential_of(world)

    decoded = jwt.decode(token, _published_keys(), algorithms=["RS256"])

    [key] = json_of(jwks())["keys"]
    assert decoded.header == {"alg": "RS256", "kid": key["kid"], "typ": "JWT"}
    assert key["kid"].startswith("http://localhost:7071/api/v1/certificates/jwks#")
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    claims = decoded.claims
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert claims["iss"] == claims["issuer"]["id"] == ISSUER
    assert claims["jti"] == claims["id"] == f"urn:uuid:{world.certificate_id}"
    assert claims["sub"] == claims["credentialSubject"]["id"] == f"urn:uuid:{world.student.id}"
    subject = claims["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Katherine Johnson"
    assert subject["achievement"]["name"] == "Orbital Mechanics"
    assert "Dorothy Vaughan" in subject["achievement"]["description"]
    assert "exp" not in claims  # CERTIFICATE_CREDENTIAL_VALID_DAYS is unset
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISSUER}).validate(claims)


def test_the_issuer_profile_names_the_credentials_issuer() -> None:
    profile = json_of(issuer())
    assert profile["id"] == ISSUER
    assert profile["type"] == ["Profile"]
    assert profile["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/")


def test_a_genuine_credential_passes_every_check() -> None:
    world = certified_world()

    result = _checks(_credential_of(world))

    assert result["valid"] is True
    assert result["failed"] == []
    assert [check["name"] for check in result["checks"]] == [
        "format",
        "signature",
        "issuer",
        "expiry",
        "revocation",
    ]
    assert result["certificate"]["id"] == str(world.certificate_id)


def test_a_tampered_credential_fails_its_signature() -> None:
    world = certified_world()
    token = _credential_of(world)
    claims = _claims(token)
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    header, _, signature = _segments(token)
    tampered = f"{header}.{_b64(claims)}.{signature}"

    with pytest.raises(BadSignatureError):
        jwt.decode(tampered, _published_keys(), algorithms=["RS256"])
    result = _checks(tampered)
    assert result["valid"] is False
    assert result["failed"] == ["signature"]


def test_a_credential_signed_with_another_key_fails_even_under_our_key_id() -> None:
    world = certified_world()
    genuine = _credential_of(world)
    header = json.loads(base64.urlsafe_b64decode(_segments(genuine)[0] + "=="))
    forger = jwk.RSAKey.generate_key(2048)

    forged = jwt.encode(header, _claims(genuine), forger)

    with pytest.raises(BadSignatureError):
        jwt.decode(forged, _published_keys(), algorithms=["RS256"])
    assert _checks(forged)["failed"] == ["signature"]


def test_a_credential_of_another_issuer_fails_issuer_and_signature() -> None:
    world = certified_world()
    claims = _claims(_credential_of(world))
    claims["iss"] = claims["issuer"]["id"] = "https://badges.example.org/issuer"
    forger = jwk.RSAKey.generate_key(2048, auto_kid=True)

    forged = jwt.encode({"alg": "RS256", "kid": forger.kid}, claims, forger)

    result = _checks(forged)
    assert result["failed"] == ["signature", "issuer"]
    assert "not in our key set" in result["checks"][1]["detail"]


def test_a_revoked_credential_fails_revocation_with_when_and_why() -> None:
    world = certified_world()
    token = _credential_of(world)
    revoke(admin_token(), world.certificate_id, "Issued in error")

    jwt.decode(token, _published_keys(), algorithms=["RS256"])  # still signed by us
    result = _checks(token)

    assert result["valid"] is False
    assert result["failed"] == ["revocation"]
    assert result["checks"][4]["detail"].endswith(": Issued in error")
    assert credential(world.student_token, world.certificate_id).status_code == 410


def test_an_expired_credential_fails_expiry(
    monkeypatch: pytest.MonkeyPatch, install_dependencies: Any
) -> None:
    monkeypatch.setenv("CERTIFICATE_CREDENTIAL_VALID_DAYS", "30")
    clock = ManualClock()
    install_dependencies(clock=clock)
    world = certified_world()
    token = _credential_of(world)
    assert _claims(token)["exp"] - _claims(token)["nbf"] == 30 * 86400
    assert _checks(token)["valid"] is True

    clock.advance(days=31)

    result = _checks(token)
    assert result["failed"] == ["expiry"]
    assert "expired on" in result["checks"][3]["detail"]


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_something_that_is_not_a_credential_fails_its_format(garbage: str) -> None:
    result = _checks(garbage)
    assert result["valid"] is False
    assert result["failed"] == ["format", "signature", "issuer", "expiry", "revocation"]
    assert result["certificate"] is None


def test_an_empty_or_missing_credential_is_a_validation_error() -> None:
    assert verify_credential("").status_code == 422
    assert verify_credential(None).status_code == 422


def test_others_may_not_read_a_certificate_s_credential() -> None:
    world = certified_world()
    assert credential(make_user()[1], world.certificate_id).status_code == 403
    assert credential(world.instructor_token, world.certificate_id).status_code == 200


def _forged(claims: dict[str, Any]) -> str:
    forger = jwk.RSAKey.generate_key(2048, auto_kid=True)
    return jwt.encode({"alg": "RS256", "kid": forger.kid}, claims, forger)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"nbf": 4102444800}, "not valid yet"),  # 2100
        ({"nbf": "yesterday"}, "not a NumericDate"),
        ({"exp": -(10**20)}, "The credential expired."),
    ],
)
def test_the_dates_of_a_credential_are_checked_each_on_its_own(
    change: dict[str, Any], detail: str
) -> None:
    world = certified_world()
    claims = {**_claims(_credential_of(world)), **change}

    result = _checks(_forged(claims))

    assert result["failed"] == ["signature", "expiry"]
    assert detail in result["checks"][3]["detail"]


def test_a_credential_naming_another_student_fails_revocation() -> None:
    world = certified_world()
    claims = {
        **_claims(_credential_of(world)),
        "sub": "urn:uuid:00000000-0000-4000-8000-000000000000",
    }

    result = _checks(_forged(claims))

    assert result["failed"] == ["signature", "revocation"]
    assert result["checks"][4]["detail"] == "The credential names another student."


def test_a_credential_of_no_certificate_of_ours_fails_revocation() -> None:
    world = certified_world()
    claims = {**_claims(_credential_of(world)), "jti": "urn:uuid:not-a-uuid"}

    assert _checks(_forged(claims))["failed"] == ["signature", "revocation"]


def test_the_credential_of_a_certificate_not_rendered_yet_is_not_ready() -> None:
    world = issue(completed_world(), render=False)

    response = credential(world.student_token, world.certificate_id)

    assert response.status_code == 409
