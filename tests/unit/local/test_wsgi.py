"""The WSGI side of the local host: environ in, HttpRequest built, HttpResponse sent back.

Most tests call the WSGI application with a PEP 3333 environ, as any WSGI server would; the
last ones put it behind a real waitress server on a free port.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import setup_testing_defaults

import azure.functions as func
import pytest
import waitress

from shared.local.body_limits import BodyLimits
from shared.local.routing import RouteTable
from shared.local.wsgi import FunctionsWsgiApp

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("echo")
@app.route(route="echo/{item}", methods=["GET", "POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    payload = {
        "method": req.method,
        "url": req.url,
        "headers": dict(req.headers),
        "params": dict(req.params),
        "route_params": dict(req.route_params),
        "body": req.get_body().decode(),
    }
    return func.HttpResponse(json.dumps(payload), mimetype="application/json")


@app.function_name("plain")
@app.route(route="plain", methods=["GET"])
def plain(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello", headers={"Connection": "keep-alive", "X-Kept": "yes"})


@app.function_name("nothing")
@app.route(route="nothing", methods=["DELETE"])
def nothing(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


@app.function_name("broken")
@app.route(route="broken", methods=["GET"])
def broken(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("a function without the pipeline blew up")


@app.function_name("wrong_type")
@app.route(route="wrong-type", methods=["GET"])
def wrong_type(req: func.HttpRequest) -> Any:
    return {"not": "a response"}


WSGI_APP = FunctionsWsgiApp(RouteTable.from_app(app), BodyLimits(default=1_048_576))


@dataclass
class Sent:
    status: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    peer: str = "192.0.2.10",
    request_uri: str | None = None,
    unread: bytes = b"",
    wsgi: FunctionsWsgiApp = WSGI_APP,
    stream: io.BytesIO | None = None,
) -> Sent:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": peer,
        "HTTP_HOST": "localhost:7071",
        "wsgi.input": stream or io.BytesIO(body + unread),
        # As waitress promises: the stream ends where the body does (a chunked one too).
        "wsgi.input_terminated": True,
    }
    if request_uri is not None:
        environ["REQUEST_URI"] = request_uri
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    sent = Sent()

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        sent.status, sent.headers = status, dict(headers)

    sent.body = b"".join(wsgi(environ, start_response))
    return sent


def test_the_function_gets_url_headers_query_route_params_and_body() -> None:
    sent = call(
        "POST",
        "/echo/42",
        query="q=python&page=2",
        body=b'{"a": 1}',
        headers={"Content-Type": "application/json", "X-Request-ID": "abc"},
    )
    assert sent.status == "200 OK"
    seen = sent.json()
    assert seen["method"] == "POST"
    assert seen["url"] == "http://localhost:7071/echo/42?q=python&page=2"
    assert seen["params"] == {"q": "python", "page": "2"}
    assert seen["route_params"] == {"item": "42"}
    assert seen["body"] == '{"a": 1}'
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["x-request-id"] == "abc"


def test_the_body_is_read_up_to_content_length() -> None:
    sent = call("POST", "/echo/1", body=b"exactly-this", unread=b"-and-not-the-next-request")
    assert sent.json()["body"] == "exactly-this"


def test_a_repeated_query_parameter_arrives_comma_joined_as_from_the_host() -> None:
    assert call("GET", "/echo/1", query="tag=a&tag=b").json()["params"] == {"tag": "a,b"}


def test_an_encoded_slash_stays_inside_its_route_parameter() -> None:
    # PATH_INFO arrives decoded; the request line (waitress: REQUEST_URI) keeps %2F visible.
    sent = call("GET", "/echo/a/b", request_uri="/echo/a%2Fb")
    assert sent.json()["route_params"] == {"item": "a/b"}
    assert call("GET", "/echo/a/b").status == "404 Not Found"


def test_the_tcp_peer_is_appended_to_x_forwarded_for_as_the_last_hop() -> None:
    alone = call("GET", "/echo/1", peer="192.0.2.10").json()["headers"]
    assert alone["x-forwarded-for"] == "192.0.2.10"
    behind = call(
        "GET", "/echo/1", peer="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    ).json()["headers"]
    assert behind["x-forwarded-for"] == "203.0.113.7, 10.0.0.1, 127.0.0.1"


def test_x_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_is_dropped() -> None:
    forged = call(
        "GET", "/echo/1", peer="198.51.100.20", headers={"X-Forwarded-For": "203.0.113.7"}
    ).json()["headers"]
    assert forged["x-forwarded-for"] == "198.51.100.20"


def test_the_trusted_proxies_are_the_ones_configured() -> None:
    proxied = FunctionsWsgiApp(
        WSGI_APP.routes,
        BodyLimits(default=1_048_576),
        trusted_peers=[ipaddress.ip_network("10.0.0.0/8")],
    )
    kept = call(
        "GET", "/echo/1", peer="10.1.2.3", headers={"X-Forwarded-For": "203.0.113.7"}, wsgi=proxied
    ).json()["headers"]
    dropped = call(
        "GET", "/echo/1", peer="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.7"}, wsgi=proxied
    ).json()["headers"]
    assert kept["x-forwarded-for"] == "203.0.113.7, 10.1.2.3"
    assert dropped["x-forwarded-for"] == "127.0.0.1"


def test_a_response_without_content_type_gets_its_mimetype_and_charset() -> None:
    sent = call("GET", "/plain")
    assert sent.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert sent.headers["Content-Length"] == "5"
    assert sent.headers["X-Kept"] == "yes"
    assert "Connection" not in sent.headers  # hop-by-hop: the server's to set
    assert sent.body == b"hello"


def test_an_empty_204_has_no_content_type_and_no_body() -> None:
    sent = call("DELETE", "/nothing")
    assert sent.status == "204 No Content"
    assert "Content-Type" not in sent.headers
    assert "Content-Length" not in sent.headers
    assert sent.body == b""


def test_an_unknown_path_is_a_404_problem_with_the_standard_headers() -> None:
    sent = call("GET", "/nowhere", headers={"X-Request-ID": "trace-1"})
    assert sent.status == "404 Not Found"
    assert sent.headers["Content-Type"] == "application/problem+json"
    assert sent.headers["X-Request-ID"] == "trace-1"
    assert sent.headers["X-Content-Type-Options"] == "nosniff"
    assert sent.json()["instance"] == "/nowhere"


def test_a_known_path_with_a_wrong_method_is_a_405_with_allow() -> None:
    sent = call("PUT", "/echo/1")
    assert sent.status == "405 Method Not Allowed"
    assert sent.headers["Allow"] == "GET, HEAD, POST"  # HEAD: served by the GET function
    assert sent.json()["status"] == 405


def test_head_on_a_get_route_answers_as_the_get_function_without_the_body() -> None:
    get = call("GET", "/echo/1")
    head = call("HEAD", "/echo/1")
    assert head.status == get.status == "200 OK"
    # The function was called as for a GET, so its answer has the GET's length.
    assert head.headers == get.headers
    assert int(head.headers["Content-Length"]) == len(get.body) > 0
    assert head.body == b""


def test_head_on_a_route_without_get_is_a_405_without_the_body() -> None:
    sent = call("HEAD", "/nothing")
    assert sent.status == "405 Method Not Allowed"
    assert sent.headers["Allow"] == "DELETE"
    assert int(sent.headers["Content-Length"]) > 0
    assert sent.body == b""


SMALL_ECHO = FunctionsWsgiApp(
    WSGI_APP.routes, BodyLimits(default=1_048_576, by_function={"echo": 16})
)


def test_a_body_over_its_routes_limit_is_a_413_and_is_left_unread() -> None:
    stream = io.BytesIO(b"x" * 17)
    sent = call("POST", "/echo/1", body=b"x" * 17, wsgi=SMALL_ECHO, stream=stream)
    assert sent.status == "413 Request Entity Too Large"
    assert sent.json()["detail"] == (
        "The body has 17 bytes; the limit here is 16 bytes. Send a smaller body."
    )
    assert sent.headers["X-Content-Type-Options"] == "nosniff"
    assert stream.tell() == 0
    assert call("POST", "/echo/1", body=b"x" * 16, wsgi=SMALL_ECHO).json()["body"] == "x" * 16


def test_a_body_without_a_length_is_read_one_byte_past_the_limit_at_most() -> None:
    stream = io.BytesIO(b"x" * 1000)
    sent = call("POST", "/echo/1", wsgi=SMALL_ECHO, stream=stream)  # chunked: no length
    assert sent.status == "413 Request Entity Too Large"
    assert "more than 16 bytes" in sent.json()["detail"]
    assert stream.tell() == 17


def test_a_request_no_function_serves_leaves_its_body_unread() -> None:
    stream = io.BytesIO(b"x" * 5000)
    sent = call("POST", "/nowhere", body=b"x" * 5000, stream=stream)
    assert sent.status == "404 Not Found"
    assert stream.tell() == 0


@pytest.mark.parametrize("path", ["/broken", "/wrong-type"])
def test_a_function_that_escapes_the_pipeline_is_a_logged_500_problem(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    sent = call("GET", path)
    assert sent.status == "500 Internal Server Error"
    assert sent.headers["Content-Type"] == "application/problem+json"
    assert sent.json()["detail"] == "Internal server error"
    assert any(r.name == "lms.local.http" and r.exc_info for r in caplog.records)


@pytest.fixture
def waitress_port() -> Iterator[int]:
    """WSGI_APP behind waitress with the settings `lms serve` uses, on a free port."""
    server = waitress.create_server(
        WSGI_APP, host="127.0.0.1", port=0, threads=2, clear_untrusted_proxy_headers=False
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield int(server.effective_port)
    server.close()
    server.task_dispatcher.shutdown()


def request(port: int, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, **kwargs)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_through_waitress_forwarded_headers_survive_and_the_peer_is_appended(
    waitress_port: int,
) -> None:
    status, seen = request(
        waitress_port,
        "GET",
        "/echo/a%2Fb",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert status == 200
    assert seen["headers"]["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "https"
    assert seen["route_params"] == {"item": "a/b"}
    assert seen["url"] == f"http://127.0.0.1:{waitress_port}/echo/a%2Fb"


def test_through_waitress_a_chunked_body_arrives_whole(waitress_port: int) -> None:
    chunks = iter([b"first,", b"second"])
    status, seen = request(
        waitress_port,
        "POST",
        "/echo/1",
        body=chunks,
        headers={"Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    assert status == 200
    assert seen["body"] == "first,second"
