"""Body limits of the local host: the route's own max_body_bytes, else the setting, and a
body read only when it fits."""

from __future__ import annotations

import io

import azure.functions as func
import pytest

from shared.http.problem import HttpProblem
from shared.http.registry import Router, RouteSpec
from shared.local.app_functions import HttpFunction
from shared.local.body_limits import BodyLimits, read_body


def ok(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


def declared_routes() -> dict[str, RouteSpec]:
    registry: dict[str, RouteSpec] = {}
    api = Router(func.Blueprint(), "api/v1/uploads", registry=registry)

    @api.post("", max_body_bytes=10_000_000)
    def uploads_create() -> None:
        """Take a large file."""

    @api.get("")
    def uploads_list() -> None:
        """List them."""

    return registry


def http_function(name: str) -> HttpFunction:
    return HttpFunction(name=name, route=name, methods=None, call=ok)


def test_a_route_with_its_own_max_body_bytes_gets_it_and_the_others_the_setting() -> None:
    functions = [http_function(n) for n in ("uploads_create", "uploads_list", "plain_function")]
    limits = BodyLimits.of(functions, default=1_048_576, declared=declared_routes())
    assert limits.for_function("uploads_create") == 10_000_000
    assert limits.for_function("uploads_list") == 1_048_576
    assert limits.for_function("plain_function") == 1_048_576
    assert limits.largest == 10_000_000


def test_the_largest_limit_is_the_setting_when_no_route_has_its_own() -> None:
    assert BodyLimits.of([http_function("uploads_list")], default=2048).largest == 2048


def environ(body: bytes, length: int | None) -> dict[str, object]:
    env: dict[str, object] = {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True}
    if length is not None:
        env["CONTENT_LENGTH"] = str(length)
    return env


def test_a_body_at_the_limit_is_read_whole() -> None:
    assert read_body(environ(b"x" * 100, 100), limit=100) == b"x" * 100
    assert read_body(environ(b"x" * 100, None), limit=100) == b"x" * 100


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    env = environ(b"x" * 101, 101)
    with pytest.raises(HttpProblem) as refused:
        read_body(env, limit=100)
    assert refused.value.status == 413
    assert refused.value.detail == (
        "The body has 101 bytes; the limit here is 100 bytes. Send a smaller body."
    )
    assert env["wsgi.input"].tell() == 0  # type: ignore[attr-defined]


def test_a_body_without_a_length_is_refused_one_byte_past_the_limit() -> None:
    env = environ(b"x" * 10_000, None)
    with pytest.raises(HttpProblem) as refused:
        read_body(env, limit=100)
    assert refused.value.status == 413
    assert env["wsgi.input"].tell() == 101  # type: ignore[attr-defined]


def test_a_body_without_a_length_on_an_unterminated_stream_is_not_read() -> None:
    # PEP 3333: without the server's promise, reading to the end could block forever.
    env = environ(b"x" * 10, None)
    env["wsgi.input_terminated"] = False
    assert read_body(env, limit=100) == b""
