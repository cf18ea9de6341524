"""The certificate signing key: read from a PEM or a file, made on first use outside
production only, refused when unusable, and published as a JWK whose kid is its thumbprint."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from joserfc import jwk

from shared.config import Settings
from shared.security.signing_keys import (
    SigningKeyError,
    from_pem,
    generate_pem,
    load_signing_key,
)


@pytest.fixture(scope="module")
def pem() -> str:
    return generate_pem(2048)


def _settings(**values: str) -> Settings:
    return Settings.model_validate({"ENVIRONMENT": "test", **values})


def test_a_key_given_as_a_pem_is_used_as_it_is(pem: str) -> None:
    key = load_signing_key(_settings(CERTIFICATE_SIGNING_KEY=pem))
    assert key.kid == from_pem(pem, "here").kid
    assert "PRIVATE" not in repr(key)


def test_a_key_given_as_a_path_is_read_from_the_file(pem: str, tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text(pem)
    assert load_signing_key(_settings(CERTIFICATE_SIGNING_KEY=str(path))).kid == (
        from_pem(pem, "here").kid
    )


def test_outside_production_a_missing_file_gets_a_new_private_key_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"

    first = load_signing_key(_settings(CERTIFICATE_SIGNING_KEY=str(path)))
    second = load_signing_key(_settings(CERTIFICATE_SIGNING_KEY=str(path)))

    assert first.kid == second.kid
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_production_never_makes_a_key(tmp_path: Path) -> None:
    path = tmp_path / "missing.pem"
    settings = _settings(CERTIFICATE_SIGNING_KEY=str(path)).model_copy(
        update={"ENVIRONMENT": "production"}
    )

    with pytest.raises(SigningKeyError, match="cannot be read"):
        load_signing_key(settings)
    assert not path.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----", "no unencrypted"),
        ("small", "no RSA key of at least 2048 bits"),
    ],
)
def test_an_unusable_key_is_refused_with_what_to_do(value: str, message: str) -> None:
    if value == "small":
        value = generate_pem(1024)
    with pytest.raises(SigningKeyError, match=message) as caught:
        load_signing_key(_settings(CERTIFICATE_SIGNING_KEY=value))
    assert "lms keys generate" in str(caught.value)
    assert "PRIVATE KEY" not in str(caught.value)


def test_the_public_jwk_has_the_rfc_7638_thumbprint_as_kid(pem: str) -> None:
    key = from_pem(pem, "here")
    public = {name: key.public_jwk[name] for name in ("kty", "n", "e")}

    assert key.kid == jwk.RSAKey.import_key(public).thumbprint()
    assert set(key.public_jwk) == {"kty", "n", "e", "kid", "use", "alg"}
