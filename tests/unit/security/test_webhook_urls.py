"""The SSRF guard: literal addresses in every notation, names that resolve to private
addresses, the allowlist, https in production. Real resolution by the system resolver where a
literal is given; a resolver standing in for DNS where a public name must answer privately."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from shared.security.webhook_urls import UnsafeUrlError, check_url


def answering(*addresses: str) -> Any:
    """A resolver whose DNS answers `addresses` for any name (a rebinding name, say)."""

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",  # decimal
        "http://0177.0.0.1/",  # octal
        "http://0x7f.0.0.1/",  # hexadecimal
        "http://0x7f000001/",
        "http://127.1/",  # short form
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]/",
        "http://[0:0:0:0:0:ffff:169.254.169.254]/",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://0251.0376.0251.0376/",  # 169.254.169.254 in octal
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",  # multicast
        "http://[ff02::1]/",
        "http://[fd00::1]/",  # unique local
        "http://[fe80::1]/",  # link local
        "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 around 10.0.0.1
        "http://localhost/",
    ],
)
def test_a_non_public_address_in_any_notation_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError, match="not a public address"):
        check_url(url, https_only=False)


@pytest.mark.parametrize(
    "addresses",
    [("10.1.2.3",), ("93.184.216.34", "127.0.0.1"), ("169.254.169.254",), ("fd12::7",)],
)
def test_a_name_that_resolves_to_any_private_address_is_refused(addresses: tuple[str]) -> None:
    with pytest.raises(UnsafeUrlError, match="not a public address"):
        check_url("https://hooks.example.com/", https_only=True, resolve=answering(*addresses))


def test_a_public_name_is_accepted_and_the_checked_address_is_the_one_to_connect_to() -> None:
    target = check_url(
        "https://hooks.example.com:8443/lms?x=1",
        https_only=True,
        resolve=answering("93.184.216.34", "2606:2800:220:1::1"),
    )
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        8443,
        "/lms?x=1",
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/", "must start with https://"),
        ("ftp://hooks.example.com/", "must start with https://"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https:///path", "no host"),
        ("https://hooks.example.com:99999/", "cannot be parsed"),
        ("https://" + "a" * 2050, "longer than"),
        ("https://no-such-host.invalid/", "does not resolve"),
    ],
)
def test_a_malformed_or_insecure_url_is_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrlError, match=reason):
        check_url(url, https_only=True, resolve=_resolve_or_fail)


def _resolve_or_fail(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
    if host.endswith(".invalid"):
        raise socket.gaierror("no such host")
    return answering("93.184.216.34")(host, port)


def test_the_allowlist_lets_a_developer_reach_127_0_0_1_and_nothing_more() -> None:
    allowed = [ipaddress.ip_network("127.0.0.1/32")]
    assert check_url("http://127.0.0.1:8080/", https_only=False, allowed=allowed).address == (
        "127.0.0.1"
    )
    assert check_url("http://[::ffff:127.0.0.1]/", https_only=False, allowed=allowed)
    with pytest.raises(UnsafeUrlError):
        check_url("http://127.0.0.2/", https_only=False, allowed=allowed)
    with pytest.raises(UnsafeUrlError):
        check_url("http://169.254.169.254/", https_only=False, allowed=allowed)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:7071/local-webhooks/receive",
        "http://127.0.0.1:8000/local-webhooks/receive?from=demo",
        "http://[::1]:7071/local-webhooks/receive",
    ],
)
def test_outside_production_the_local_receiver_on_loopback_is_accepted(url: str) -> None:
    assert check_url(url, https_only=False, local_receiver=True).path.startswith(
        "/local-webhooks/receive"
    )
    with pytest.raises(UnsafeUrlError):
        check_url(url, https_only=False)  # production passes local_receiver=False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:7071/",
        "http://127.0.0.1:6379/local-webhooks/receive/",
        "http://127.0.0.1:7071/local-webhooks/receive/../../api/v1/admin",
        "http://127.0.0.1:7071/local-webhooks/Receive",
        "http://10.0.0.1:7071/local-webhooks/receive",
        "http://169.254.169.254/local-webhooks/receive",
    ],
)
def test_the_local_receiver_rule_opens_loopback_at_its_one_path_and_nothing_else(
    url: str,
) -> None:
    with pytest.raises(UnsafeUrlError):
        check_url(url, https_only=False, local_receiver=True)
