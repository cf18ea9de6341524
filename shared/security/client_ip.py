"""The client's IP address, resolved in one place.

A function sees no TCP peer. Each trusted proxy in front of the app (the Azure front end, Front
Door, Caddy, the local host) appends the address it saw to X-Forwarded-For, so the client is
the entry `trusted_hops` from the right. Entries further left were written by the client and
prove nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping


def _strip_port(entry: str) -> str:
    entry = entry.strip()
    if entry.startswith("["):  # "[2001:db8::1]:443"
        return entry[1 : entry.find("]")] if "]" in entry else entry
    if entry.count(":") == 1:  # "203.0.113.7:51234"; bare IPv6 has several colons
        return entry.split(":", 1)[0]
    return entry


def resolve_client_ip(headers: Mapping[str, str], trusted_hops: int) -> str | None:
    """Return the client address as the trusted proxies saw it, or None when none was added."""
    if trusted_hops <= 0:
        return None
    raw = headers.get("x-forwarded-for") or headers.get("X-Forwarded-For") or ""
    entries = [e for e in (part.strip() for part in raw.split(",")) if e]
    if not entries:
        return None
    # Fewer entries than trusted hops: every entry came from a trusted proxy, the first is ours.
    candidate = _strip_port(entries[-trusted_hops] if len(entries) >= trusted_hops else entries[0])
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
