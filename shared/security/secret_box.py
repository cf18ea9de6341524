"""Secrets kept in the database encrypted (webhook signing secrets): Fernet, AES-128-CBC with
an HMAC-SHA256, under WEBHOOK_SECRET_KEY, or outside production a key derived from SECRET_KEY.

cryptography is imported when a secret is sealed or opened, not when this module is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from shared.config import Settings

# Domain separation: the derived key is useless for anything SECRET_KEY signs.
DERIVATION_LABEL = b"lms-functions webhook secrets v1"


def _fernet(settings: Settings) -> Fernet:
    from cryptography.fernet import Fernet

    key = settings.WEBHOOK_SECRET_KEY
    if key:
        return Fernet(key.encode())
    derived = hmac.new(settings.SECRET_KEY.encode(), DERIVATION_LABEL, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(settings: Settings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def open_sealed(settings: Settings, sealed: str) -> str:
    """The secret; raises cryptography.fernet.InvalidToken under another key."""
    return _fernet(settings).decrypt(sealed.encode()).decode()
