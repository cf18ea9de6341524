"""gzip for responses worth compressing, when the client says it accepts gzip."""

from __future__ import annotations

import gzip

from shared.http.response import Reply

MIN_COMPRESS_BYTES = 1024
COMPRESSIBLE_TYPES = ("application/json", "application/problem+json", "text/", "application/xml")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when Accept-Encoding lists gzip (or *) with a non-zero quality."""
    if not accept_encoding:
        return False
    qualities: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if name not in ("gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities.setdefault(name, quality)
    # "gzip" named explicitly wins over "*", wherever each stands (RFC 9110, 12.5.3).
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def maybe_compress(reply: Reply, accept_encoding: str | None) -> None:
    content_type = (reply.get("Content-Type") or "").lower()
    if not content_type.startswith(COMPRESSIBLE_TYPES) or reply.get("Content-Encoding"):
        return
    reply.append_vary("Accept-Encoding")
    if len(reply.body) < MIN_COMPRESS_BYTES or not accepts_gzip(accept_encoding):
        return
    reply.body = gzip.compress(reply.body, compresslevel=6, mtime=0)
    reply.headers["Content-Encoding"] = "gzip"
