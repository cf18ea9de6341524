"""The RSA key that signs certificates' credentials (RS256), and its public half as a JWK.

CERTIFICATE_SIGNING_KEY holds the key: a PEM, or the path of a PEM file. In Azure it is an
App Setting whose value is a Key Vault reference to a secret holding the PEM, so the key never
sits in the repository or the deployment. Outside production a path that does not exist yet is
filled with a new key on first use, so `make run` signs without any manual step; production
refuses to start without the setting (shared/settings_checks.py) and never generates one.

The key id (`kid`) is the key's RFC 7638 JWK thumbprint: the same key always has the same id,
and a verifier picks the key of a credential from the key set by it.

`cryptography` is imported on first use only: most invocations never sign anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from shared.config import Settings

log = logging.getLogger("lms.signing_keys")

ALGORITHM = "RS256"
KEY_BITS = 3072  # `lms keys generate`: NIST's size for keys used past 2030
DEVELOPMENT_KEY_BITS = 2048  # RS256's minimum, generated in a fraction of the time
PEM_HEADER = "-----BEGIN"


class SigningKeyError(RuntimeError):
    """The configured key cannot be used; the message says which setting to fix (no key)."""


@dataclass(frozen=True, repr=False)
class SigningKey:
    private_key: RSAPrivateKey
    kid: str
    public_jwk: dict[str, str]

    def __repr__(self) -> str:  # never the key itself
        return f"SigningKey(kid={self.kid!r})"


def generate_pem(bits: int = KEY_BITS) -> str:
    """A new RSA private key as unencrypted PKCS#8 PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_pem(path: Path, pem: str) -> None:
    """Write `pem` to a new file readable by its owner only; refuse to replace a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(pem)


_generation_lock = threading.Lock()


def load_signing_key(settings: Settings) -> SigningKey:
    """The key CERTIFICATE_SIGNING_KEY names, generated first outside production if need be."""
    value = settings.CERTIFICATE_SIGNING_KEY.strip()
    if value.startswith(PEM_HEADER):
        return from_pem(value, "CERTIFICATE_SIGNING_KEY")
    path = Path(value).expanduser()
    if not path.exists() and not settings.is_production:
        with _generation_lock:
            if not path.exists():
                try:
                    write_pem(path, generate_pem(DEVELOPMENT_KEY_BITS))
                    log.info("generated a certificate signing key at %s (development only)", path)
                except FileExistsError:
                    pass  # another process wrote it first; read theirs
    try:
        pem = path.read_text()
    except OSError as exc:
        raise SigningKeyError(
            f"CERTIFICATE_SIGNING_KEY names the file {path}, which cannot be read "
            f"({exc.strerror or type(exc).__name__}); give a PEM or a readable PEM file"
        ) from None
    return from_pem(pem, f"the file {path}")


def from_pem(pem: str, where: str) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(
            f"{where} holds no unencrypted PEM private key; make one with `lms keys generate`"
        ) from None
    if not isinstance(key, RSAPrivateKey) or key.key_size < 2048:
        raise SigningKeyError(
            f"{where} holds no RSA key of at least 2048 bits, which RS256 needs; "
            "make one with `lms keys generate`"
        )
    jwk = public_jwk(key)
    return SigningKey(private_key=key, kid=jwk["kid"], public_jwk=jwk)


def public_jwk(key: RSAPrivateKey) -> dict[str, str]:
    """The public key as a JWK (RFC 7517), with its thumbprint (RFC 7638) as `kid`."""
    numbers = key.public_key().public_numbers()
    members = {"e": _b64_uint(numbers.e), "kty": "RSA", "n": _b64_uint(numbers.n)}
    # The thumbprint hashes the required members in lexicographic order, no whitespace.
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = _b64(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "use": "sig", "alg": ALGORITHM}


def _b64_uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
