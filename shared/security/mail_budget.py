"""How many link e-mails (password reset, e-mail verification) one address receives.

Anyone can ask for these links for any address, so without a budget one address gets a mail
per request (40 in a few seconds, before). Each kind has LINK_EMAILS_PER_RECIPIENT_PER_HOUR per
address in a fixed hour, counted in the shared rate-limit counters (rate_limits.py), so every
instance counts together. A request over budget is dropped silently: the HTTP answer was given
before it was looked at, and must not tell an enumerator anything anyway.

The address is counted by a digest, so the counter table holds no address.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection

from shared.config import Settings
from shared.security.rate_limits import add_hit, window_at

HOUR_SECONDS = 3600
PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of mail)
EMAIL_VERIFICATION = "email_verification"


def recipient_client(address: str) -> str:
    return "mail:" + hashlib.sha256(address.encode()).hexdigest()[:40]


def allows(
    connection: Connection, settings: Settings, kind: str, address: str, now: datetime
) -> bool:
    """Count one `kind` mail to `address` (normalized); False once the hour's budget is spent."""
    hits = add_hit(
        connection, f"mail:{kind}", recipient_client(address), window_at(now, HOUR_SECONDS)
    )
    return hits <= settings.LINK_EMAILS_PER_RECIPIENT_PER_HOUR
