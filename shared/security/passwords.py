"""Password hashing with argon2id.

argon2 has no 72-byte limit (bcrypt's), so the 128-character maximum of the API is hashed
whole. The hasher is built on first use: importing argon2 at cold start would cost every
invocation, and most never touch a password.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    # argon2-cffi's defaults follow RFC 9106's second recommendation (64 MiB, t=3, p=4).
    return PasswordHasher()


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return bool(_hasher().check_needs_rehash(password_hash))


@functools.cache
def _dummy_hash() -> str:
    return hash_password("an unused password, hashed once so unknown users cost the same")


def burn_verification_time(password: str) -> None:
    """Spend what a real check costs, so a login for an unknown e-mail takes as long."""
    verify_password(_dummy_hash(), password)
