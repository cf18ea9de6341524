"""Headers every response carries: security headers, CORS and the request id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.http.response import Reply

# A JSON API renders nothing, so its pages may load nothing and be framed by no one.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
HSTS = "max-age=63072000; includeSubDomains"
EXPOSED_HEADERS = (
    "X-Request-ID, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
PREFLIGHT_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
PREFLIGHT_MAX_AGE_SECONDS = "600"


def security_headers(*, https: bool) -> dict[str, str]:
    """The security headers of every answer; HSTS only over HTTPS, where browsers heed it."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # The reference app's own value (its Caddy front sent strict-origin-when-cross-origin).
        "Referrer-Policy": "no-referrer",
        # The reference sent these two; Flash/PDF clients and browser features get nothing.
        "X-Permitted-Cross-Domain-Policies": "none",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def add_security_headers(reply: Reply, *, https: bool) -> None:
    """Set the security headers a route did not set itself (a docs page sets its own CSP)."""
    for name, value in security_headers(https=https).items():
        reply.set_default(name, value)


def is_https(url_scheme: str, forwarded_proto: str | None) -> bool:
    """Whether the client reached us over HTTPS: directly, or through the proxy nearest us
    (the last X-Forwarded-Proto entry, the one a trusted proxy appended)."""
    forwarded = (forwarded_proto or "").split(",")[-1].strip()
    return url_scheme.lower() == "https" or forwarded.lower() == "https"


def origin_allowed(origin: str | None, allowed: Sequence[str]) -> bool:
    return origin is not None and origin in allowed


def add_cors_headers(reply: Reply, origin: str | None, allowed: Sequence[str]) -> None:
    """Allow the listed origins, with credentials; other origins get no CORS headers."""
    reply.append_vary("Origin")
    if origin_allowed(origin, allowed):
        assert origin is not None
        reply.headers["Access-Control-Allow-Origin"] = origin
        reply.headers["Access-Control-Allow-Credentials"] = "true"
        reply.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def preflight_headers(request_headers: Mapping[str, str]) -> dict[str, str]:
    """Headers of a successful CORS preflight answer."""
    headers = {
        "Allow": PREFLIGHT_METHODS,
        "Access-Control-Allow-Methods": PREFLIGHT_METHODS,
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
    }
    requested = request_headers.get("access-control-request-headers")
    if requested:
        headers["Access-Control-Allow-Headers"] = requested
    return headers
