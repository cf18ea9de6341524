"""The SSRF guard for webhook receivers, at subscription time and again before every attempt.

A receiver URL must be http(s) (https only in production), carry no credentials, and its host
must resolve to public addresses only: every address it resolves to is checked, so a name
with one private record among public ones is refused. Refused: private, loopback, link-local
(169.254.169.254, the cloud metadata service, included), shared (100.64/10), unique-local,
multicast, reserved and unspecified addresses, and IPv6 addresses that embed one of those
(IPv4-mapped, 6to4, Teredo, NAT64). The resolver is the system's, so a host written as
2130706433, 0177.0.0.1 or 0x7f.1 is seen as the 127.0.0.1 it means.

The attempt then connects to the address that was checked (shared/services/webhook_posting.py),
never resolving the name again: a DNS answer that changes in between (rebinding) cannot move
the request to an internal address. Redirects are not followed.

WEBHOOK_ALLOWED_HOSTS names addresses or networks allowed although not public, for a local
receiver in development; production refuses to start with a private one there. Outside
production the callers also pass `local_receiver=True`: a loopback URL whose path is exactly
LOCAL_RECEIVER_PATH, the receiver `lms serve` mounts for the demo, is allowed too. The path
must match exactly (no `..` past it), so another service on this machine could be sent a
webhook at that one path at most, and only outside production.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., list[tuple[Any, ...]]]

MAX_URL_LENGTH = 2048
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Where `lms serve` takes webhook deliveries outside production (shared/local/webhook_receiver.py).
LOCAL_RECEIVER_PATH = "/local-webhooks/receive"
LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


class UnsafeUrlError(ValueError):
    """A receiver URL the guard refuses; the message says why, and is safe to show."""


@dataclass(frozen=True)
class Target:
    """Where one attempt goes: the URL's parts and the checked address to connect to."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address and any IPv4 address an IPv6 one carries inside it."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: IPAddress) -> bool:
    return all(
        candidate.is_global
        and not (
            candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or candidate.is_link_local
            or candidate.is_loopback
            or candidate.is_private
        )
        for candidate in _embedded(address)
    )


def _allowed(address: IPAddress, allowed: Sequence[Network]) -> bool:
    plain = (
        address.ipv4_mapped
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped
        else address
    )
    return any(plain.version == net.version and plain in net for net in allowed)


def check_url(
    url: str,
    *,
    https_only: bool,
    allowed: Sequence[Network] = (),
    local_receiver: bool = False,
    resolve: Resolver = socket.getaddrinfo,
) -> Target:
    """The target `url` may be delivered to; UnsafeUrlError saying why not. With
    `local_receiver`, a loopback address is allowed for LOCAL_RECEIVER_PATH alone."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrlError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeUrlError("the URL cannot be parsed; give https://host[:port]/path") from None
    schemes = ("https",) if https_only else ("https", "http")
    if parts.scheme not in schemes:
        raise UnsafeUrlError(f"the URL must start with {' or '.join(s + '://' for s in schemes)}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("the URL must not carry credentials (user:password@)")
    host = parts.hostname
    if not host:
        raise UnsafeUrlError("the URL has no host")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        answers = resolve(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeUrlError(f"the host {host!r} does not resolve") from None
    addresses: list[IPAddress] = []
    for answer in answers:
        text = str(answer[4][0]).split("%", 1)[0]  # an IPv6 zone id is not part of the address
        addresses.append(ipaddress.ip_address(text))
    if not addresses:
        raise UnsafeUrlError(f"the host {host!r} does not resolve")
    if local_receiver and parts.path == LOCAL_RECEIVER_PATH:
        allowed = [*allowed, *LOOPBACK]
    for address in addresses:
        if not is_public(address) and not _allowed(address, allowed):
            raise UnsafeUrlError(
                f"the host {host!r} resolves to {address}, which is not a public address; "
                "webhooks are delivered to public receivers only"
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, str(addresses[0]))
