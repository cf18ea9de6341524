"""How large a request body the local host takes, and reading no more of it than that.

The limits are the pipeline's (shared/http/pipeline.py `_check_size`): a route's own
`max_body_bytes`, else MAX_REQUEST_BODY_BYTES. The pipeline checks them after the host has read
the body into memory; the host applies them first, so an oversized body is refused unread:
waitress refuses one larger than the largest limit while it arrives (its
max_request_body_size: by Content-Length before the body, a chunked body once it passes the
limit), and the WSGI app refuses one larger than its route's limit by its Content-Length, or
reads a chunked one only until it passes the limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.http.problem import HttpProblem
from shared.http.registry import ROUTES, RouteSpec
from shared.local.app_functions import HttpFunction


def too_large(limit: int, size: int | None = None) -> HttpProblem:
    has = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return HttpProblem(
        413, f"The body has {has}; the limit here is {limit} bytes. Send a smaller body."
    )


@dataclass(frozen=True)
class BodyLimits:
    default: int
    by_function: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        functions: Iterable[HttpFunction],
        default: int,
        declared: Mapping[str, RouteSpec] = ROUTES,
    ) -> BodyLimits:
        """The limits of `functions`: what their routes declared (by function name), else
        `default`. A function registered without the route decorator gets the default."""
        own = {}
        for function in functions:
            spec = declared.get(function.name)
            if spec is not None and spec.max_body_bytes:
                own[function.name] = spec.max_body_bytes
        return cls(default, own)

    def for_function(self, name: str) -> int:
        return self.by_function.get(name, self.default)

    @property
    def largest(self) -> int:
        return max([self.default, *self.by_function.values()])


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, read only when it fits `limit`; HttpProblem 413 when it does not."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        size = int(length)
        if size > limit:
            raise too_large(limit, size)
        return bytes(stream.read(size)) if size else b""
    # No length: read to the end only where the server promises the stream ends (PEP 3333),
    # and one byte past the limit at most, enough to know the body is over it.
    if not environ.get("wsgi.input_terminated"):
        return b""
    body = bytes(stream.read(limit + 1))
    if len(body) > limit:
        raise too_large(limit)
    return body
