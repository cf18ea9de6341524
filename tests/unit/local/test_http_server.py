"""The waitress server of `lms serve`: body limits applied while the body arrives, and the
server's own answers (413, a 500 from a mounted app) in the API's shape and headers.

Each test runs shared.local.http_server.create_server on a free port and talks HTTP to it.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import azure.functions as func
import pytest

from shared.local.body_limits import BodyLimits
from shared.local.routing import RouteTable
from shared.local.wsgi import FunctionsWsgiApp
from tests.waitress_thread import serving

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("small_upload")
@app.route(route="small", methods=["POST"])
def small_upload(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))


@app.function_name("large_upload")
@app.route(route="large", methods=["POST"])
def large_upload(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))


def explodes(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    raise RuntimeError("secret detail of a mounted app's failure")


def mounted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Content-Length", "5"),
            ("X-Frame-Options", "SAMEORIGIN"),
        ],
    )
    return [b"hello"]


ROUTES = RouteTable.from_app(app)
LIMITS = BodyLimits(default=1024, by_function={"large_upload": 4096})


@pytest.fixture
def port() -> Iterator[int]:
    wsgi = FunctionsWsgiApp(ROUTES, LIMITS, {"/explodes": explodes, "/mounted": mounted})
    with serving(wsgi) as bound:
        yield bound


def send(
    port: int, method: str, path: str, body: bytes | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body)
        answer = connection.getresponse()
        return answer, answer.read()
    finally:
        connection.close()


def test_a_route_with_a_larger_limit_than_the_setting_takes_a_body_up_to_it(port: int) -> None:
    answer, body = send(port, "POST", "/large", b"x" * 4096)
    assert (answer.status, body) == (200, b"4096")
    answer, body = send(port, "POST", "/small", b"x" * 1025)
    assert answer.status == 413
    assert json.loads(body)["detail"] == (
        "The body has 1025 bytes; the limit here is 1024 bytes. Send a smaller body."
    )


def test_a_chunked_body_of_the_limit_in_small_chunks_is_taken_and_one_more_byte_refused(
    port: int,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for size, status, answer_body in [(1024, 200, b"1024"), (1025, 413, None)]:
            chunks = [b"x" * 16] * (size // 16) + [b"x" * (size % 16)]
            connection.request("POST", "/small", body=iter(chunks), encode_chunked=True)
            answer = connection.getresponse()
            body = answer.read()
            assert answer.status == status
            if answer_body is not None:
                assert body == answer_body
    finally:
        connection.close()


def test_a_body_over_every_limit_is_refused_unread_naming_its_routes_limit(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n")
        answer = http.client.HTTPResponse(sock, method="POST")
        answer.begin()
        problem = json.loads(answer.read())
    assert answer.status == 413
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Connection"] == "close"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert problem["detail"] == (
        "The body has 500000 bytes; the limit here is 1024 bytes. Send a smaller body."
    )
    assert problem["instance"] == "/small"


def test_a_mounted_app_that_raises_is_a_500_problem_that_says_nothing_inside(port: int) -> None:
    answer, body = send(port, "GET", "/explodes")
    assert answer.status == 500
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert answer.headers["Cache-Control"] == "no-store"
    assert json.loads(body)["detail"] == "Internal server error"
    assert b"secret" not in body


def test_a_mounted_apps_answer_gets_the_security_headers_it_did_not_set(port: int) -> None:
    answer, body = send(port, "GET", "/mounted")
    assert (answer.status, body) == (200, b"hello")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"  # its own, kept


def test_head_on_a_mounted_app_sends_its_headers_without_the_body(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"HEAD /mounted HTTP/1.1\r\nHost: x\r\n\r\nGET /mounted HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 2 or not received.endswith(b"hello"):
            chunk = sock.recv(65536)
            assert chunk, f"closed early: {received!r}"
            received += chunk
    head, get = received.split(b"HTTP/1.1 200 OK")[1:]
    assert head.endswith(b"\r\n\r\n")  # headers, then straight on to the GET's answer
    assert b"Content-Length: 5" in head
    assert get.endswith(b"\r\n\r\nhello")
