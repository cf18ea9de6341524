"""The client IP: the X-Forwarded-For entry the trusted proxies appended, read from the right."""

from __future__ import annotations

import azure.functions as func
import pytest

from shared.security.client_ip import resolve_client_ip


def xff(value: str) -> dict[str, str]:
    return {"x-forwarded-for": value}


def test_one_trusted_hop_takes_the_last_entry():
    assert resolve_client_ip(xff("203.0.113.7"), 1) == "203.0.113.7"
    assert resolve_client_ip(xff("198.51.100.1, 203.0.113.7"), 1) == "203.0.113.7"


def test_two_trusted_hops_take_the_second_entry_from_the_right():
    headers = xff("198.51.100.1, 203.0.113.7, 10.0.0.4")

    assert resolve_client_ip(headers, 2) == "203.0.113.7"


@pytest.mark.parametrize("hops", [1, 2])
def test_entries_the_client_forged_on_the_left_are_ignored(hops):
    proxies = ["203.0.113.7", "10.0.0.4"][:hops]
    forged = ["1.1.1.1", "127.0.0.1", "not-an-ip"]

    headers = xff(", ".join(forged + proxies))

    assert resolve_client_ip(headers, hops) == "203.0.113.7"


def test_fewer_entries_than_hops_takes_the_first_which_a_trusted_proxy_wrote():
    assert resolve_client_ip(xff("203.0.113.7"), 2) == "203.0.113.7"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("  203.0.113.7  ", "203.0.113.7"),
    ],
)
def test_ports_and_brackets_are_stripped_and_the_address_normalised(entry, expected):
    assert resolve_client_ip(xff(f"10.9.9.9, {entry}"), 1) == expected


@pytest.mark.parametrize(
    "value", ["unknown", "", " , ", "300.1.1.1", "[2001:db8::1", "_gateway", "1.2.3.4.5"]
)
def test_garbage_is_none(value):
    assert resolve_client_ip(xff(value), 1) is None


def test_no_header_or_no_trusted_hops_is_none():
    assert resolve_client_ip({}, 1) is None
    assert resolve_client_ip(xff("203.0.113.7"), 0) is None


def test_the_header_is_found_on_a_functions_request_whatever_its_case():
    request = func.HttpRequest(
        "GET", "http://localhost/", headers={"X-Forwarded-For": "203.0.113.7:1"}, body=b""
    )

    assert resolve_client_ip(request.headers, 1) == "203.0.113.7"
