"""Security headers, CORS and the preflight answer."""

from __future__ import annotations

from shared.http.headers import (
    API_CONTENT_SECURITY_POLICY,
    HSTS,
    PREFLIGHT_METHODS,
    add_cors_headers,
    add_security_headers,
    origin_allowed,
    preflight_headers,
)
from shared.http.problem import Reply

ALLOWED = ["https://app.example.org", "http://localhost:3000"]


def test_every_security_header_is_set_on_a_bare_reply():
    reply = Reply(200)

    add_security_headers(reply, https=False)

    assert reply.headers == {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "X-Permitted-Cross-Domain-Policies": "none",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def test_hsts_is_added_only_over_https():
    reply = Reply(200)

    add_security_headers(reply, https=True)

    assert reply.get("Strict-Transport-Security") == HSTS


def test_a_header_the_route_set_itself_is_kept():
    reply = Reply(200, headers={"content-security-policy": "default-src 'self'"})

    add_security_headers(reply, https=False)

    assert reply.get("Content-Security-Policy") == "default-src 'self'"
    assert list(reply.headers).count("Content-Security-Policy") == 0


def test_an_allowed_origin_is_echoed_with_credentials():
    reply = Reply(200)

    add_cors_headers(reply, "http://localhost:3000", ALLOWED)

    assert reply.get("Access-Control-Allow-Origin") == "http://localhost:3000"
    assert reply.get("Access-Control-Allow-Credentials") == "true"
    assert "Retry-After" in reply.get("Access-Control-Expose-Headers")
    assert reply.get("Vary") == "Origin"


def test_an_origin_must_match_exactly_to_be_allowed():
    assert origin_allowed("https://app.example.org", ALLOWED)
    assert not origin_allowed("https://app.example.org.evil.test", ALLOWED)
    assert not origin_allowed("https://APP.example.org:443", ALLOWED)
    assert not origin_allowed("http://app.example.org", ALLOWED)
    assert not origin_allowed(None, ALLOWED)


def test_another_origin_gets_only_vary():
    reply = Reply(200)

    add_cors_headers(reply, "https://evil.example.org", ALLOWED)

    assert reply.headers == {"Vary": "Origin"}


def test_a_preflight_allows_the_api_methods_and_the_requested_headers():
    headers = preflight_headers({"access-control-request-headers": "authorization, content-type"})

    assert headers["Access-Control-Allow-Methods"] == PREFLIGHT_METHODS
    assert headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert headers["Access-Control-Max-Age"] == "600"


def test_a_preflight_without_requested_headers_allows_none():
    assert "Access-Control-Allow-Headers" not in preflight_headers({})
