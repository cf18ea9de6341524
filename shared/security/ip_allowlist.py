"""An admin's IP allowlist (admins.ip_whitelist): where their account may be used from.

An empty list allows every address. A non-empty one allows only the addresses on it, compared
as addresses (so `::ffff:10.0.0.1` is `10.0.0.1`); a request whose client address is unknown
is refused. The reference stored the list and never checked it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from shared.domain.errors import AccessDeniedError, RuleViolationError

OUTSIDE = (
    "This admin account may be used only from the addresses on its IP allowlist; "
    "sign in from one of them, or ask another admin to change the list"
)


def allows(allowlist: Iterable[str], client_ip: str | None) -> bool:
    allowed = {_address(a) for a in allowlist}
    allowed.discard(None)
    if not allowed:
        return True
    return client_ip is not None and _address(client_ip) in allowed


def require_allowed(allowlist: Iterable[str] | None, client_ip: str | None) -> None:
    if not allows(allowlist or (), client_ip):
        raise AccessDeniedError(OUTSIDE)


def require_includes_caller(allowlist: Iterable[str], client_ip: str | None) -> None:
    """A new list must keep the admin who sets it able to use their account."""
    if not allows(allowlist, client_ip):
        raise RuleViolationError(
            f"Your current address ({client_ip or 'unknown'}) is not on the list: add it, "
            "or this account could not be used from here any more"
        )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
