"""Password hashing with argon2id, its cost from settings.

argon2 has no 72-byte limit (bcrypt's), so the 128-character maximum of the API is hashed
whole. argon2 is imported on first use: importing it at cold start would cost every
invocation, and most never touch a password. A hash made with other parameters than the
current ones still verifies; `needs_rehash` tells sign-in to store a new one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.config import Settings


@dataclass(frozen=True)
class PasswordHasher:
    time_cost: int
    memory_kib: int
    parallelism: int

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        return cls(
            time_cost=settings.PASSWORD_HASH_TIME_COST,
            memory_kib=settings.PASSWORD_HASH_MEMORY_KIB,
            parallelism=settings.PASSWORD_HASH_PARALLELISM,
        )

    @functools.cached_property
    def _argon2(self) -> Any:
        from argon2 import PasswordHasher as Argon2Hasher

        return Argon2Hasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism
        )

    def hash(self, password: str) -> str:
        return str(self._argon2.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(self._argon2.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when `password_hash` was made with other parameters than these."""
        from argon2.exceptions import InvalidHashError

        try:
            return bool(self._argon2.check_needs_rehash(password_hash))
        except InvalidHashError:
            return True

    @functools.cached_property
    def _dummy_hash(self) -> str:
        return self.hash("an unused password, hashed once so unknown users cost the same")

    def burn_verification_time(self, password: str) -> None:
        """Spend what a real check costs, so a sign-in for an unknown e-mail takes as long."""
        self.verify(self._dummy_hash, password)
