"""`lms serve` as a front end, over raw connections: HEAD on a kept-alive connection, bodies
over the limit refused before they are read, and the API's headers on the answers the server
gives itself (malformed requests, unknown paths, wrong methods, oversized bodies, sendEmail).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import pytest

from shared.local.http_server import CHUNK_FRAMING_ALLOWANCE
from tests.e2e.host_process import HostProcess, host_environment, run_lms

LIMIT = 1_048_576  # MAX_REQUEST_BODY_BYTES's default
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    folder = tmp_path_factory.mktemp("server-answers")
    env = host_environment(f"sqlite:///{folder}/lms.db", folder)
    migrated = run_lms("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    process = HostProcess(env)
    process.wait_until_listening()
    yield process
    assert process.stop() == 0


def address(host: HostProcess) -> tuple[str, int]:
    url = urlsplit(host.url)
    return url.hostname or "", url.port or 0


def connect(host: HostProcess) -> socket.socket:
    return socket.create_connection(address(host), timeout=5)


def read_answer(sock: socket.socket, method: str = "GET") -> http.client.HTTPResponse:
    answer = http.client.HTTPResponse(sock, method=method)
    answer.begin()
    return answer


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True  # closed with our unread body still in its buffer


def problem(answer: http.client.HTTPResponse) -> Any:
    assert answer.headers["Content-Type"] == "application/problem+json"
    return json.loads(answer.read())


def read_head(stream: BinaryIO) -> tuple[int, http.client.HTTPMessage]:
    status_line = stream.readline().decode("latin-1")
    assert status_line.startswith("HTTP/1.1 "), f"not a status line: {status_line!r}"
    return int(status_line.split()[1]), http.client.parse_headers(stream)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/health", 200), ("/api/v1/no-such-thing", 404), ("/api/v1/auth/login", 405)],
    ids=["GET route", "unknown path", "POST-only route"],
)
def test_a_head_answer_has_no_body_so_the_next_answer_on_the_connection_reads_correctly(
    host: HostProcess, path: str, status: int
) -> None:
    with connect(host) as sock, sock.makefile("rb") as stream:
        # Both requests at once on one connection: a body after the HEAD answer would be
        # read as the start of the GET's answer.
        sock.sendall(
            f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            + b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        head_status, head = read_head(stream)
        get_status, get = read_head(stream)
        get_body = stream.read(int(get["Content-Length"]))
    assert head_status == status
    assert "Connection" not in head  # kept alive
    assert get_status == 200
    assert json.loads(get_body)["status"] == "ok"


def test_head_on_a_get_route_carries_the_headers_and_length_the_get_would(
    host: HostProcess,
) -> None:
    with connect(host) as sock, sock.makefile("rb") as stream:
        sock.sendall(
            b"HEAD /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        head_status, head = read_head(stream)
        get_status, get = read_head(stream)
        get_body = stream.read(int(get["Content-Length"]))
    assert head_status == get_status == 200
    assert head["Content-Length"] == get["Content-Length"] == str(len(get_body))
    assert head["Content-Type"] == get["Content-Type"] == "application/json"
    assert head["Cache-Control"] == get["Cache-Control"] == "no-store"


def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(host: HostProcess) -> None:
    with connect(host) as sock:
        started = time.monotonic()
        # The head alone: the answer must not wait for the 100 MB it announces.
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
        )
        answer = read_answer(sock, "POST")
        body = problem(answer)
        assert time.monotonic() - started < 2
        assert answer.status == 413
        assert answer.headers["Connection"] == "close"
        assert body["detail"] == (
            f"The body has 100000000 bytes; the limit here is {LIMIT} bytes. Send a smaller body."
        )
        assert closed_by_server(sock)


def test_a_chunked_body_is_read_only_until_it_passes_the_limit(host: HostProcess) -> None:
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"  # 64 KiB
    # Never the last chunk: only a server that stops reading at the limit answers. The body
    # ends where waitress stops reading, so no unread byte turns its close into a reset.
    body = (chunk * 20)[: LIMIT + 1 + CHUNK_FRAMING_ALLOWANCE]
    with connect(host) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body
        )
        answer = read_answer(sock, "POST")
        problem_body = problem(answer)
        assert answer.status == 413
        assert problem_body["detail"] == (
            f"The body has more than {LIMIT} bytes; the limit here is {LIMIT} bytes. "
            "Send a smaller body."
        )
        assert closed_by_server(sock)


def test_a_body_within_the_limit_still_reaches_the_function(host: HostProcess) -> None:
    payload = json.dumps({"email": "nobody@example.com", "password": "x" * 20}).encode()
    with connect(host) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        answer = read_answer(sock, "POST")
        assert answer.status == 401, answer.read()


MALFORMED = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n"
HUGE_HEADERS = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n"
OVERSIZED = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (MALFORMED, 400),
        (b"GET /api/v1/no-such-thing HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"DELETE /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (OVERSIZED, 413),
        (HUGE_HEADERS, 431),
    ],
    ids=["400 malformed", "404", "405", "413", "431 headers too large"],
)
def test_the_servers_own_answers_are_problems_with_the_security_headers_and_request_id(
    host: HostProcess, request_bytes: bytes, status: int
) -> None:
    with connect(host) as sock:
        sock.sendall(request_bytes.replace(b"Host: x\r\n", b"Host: x\r\nX-Request-ID: own-1\r\n"))
        answer = read_answer(sock)
        body = problem(answer)
    assert answer.status == status
    assert body["status"] == status
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
    if status != 431:  # its headers were never read
        assert answer.headers["X-Request-ID"] == body["request_id"] == "own-1"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_send_email_mount_answers_with_the_security_headers(
    host: HostProcess, method: str
) -> None:
    assert "/sendEmail (functions_email/main.py)" in host.banner
    connection = http.client.HTTPConnection(*address(host), timeout=5)
    try:
        connection.request(method, "/sendEmail", body=b"{}" if method == "POST" else None)
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status >= 400  # unsigned: refused by the function
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
