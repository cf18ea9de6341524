"""Files through `lms serve` over real HTTP: the direct upload URL it serves, and bodies held
to each route's limit while they arrive, though a direct upload may be much larger."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from shared import bootstrap
from tests.accounts import bearer, make_user
from tests.e2e.host_process import HostProcess, host_environment, run_lms
from tests.functional.files.file_calls import multipart
from tests.sample_files import sample

DIRECT_LIMIT = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("files-host")
    env = host_environment(
        f"sqlite:///{folder}/lms.db", folder, MAX_DIRECT_UPLOAD_BYTES=str(DIRECT_LIMIT)
    )
    migrated = run_lms("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    return env


@pytest.fixture(scope="module")
def host(environment: dict[str, str]) -> Iterator[HostProcess]:
    process = HostProcess(environment)
    process.wait_until_listening()
    yield process
    assert process.stop() == 0


@pytest.fixture
def token(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", environment["DATABASE_URL"])
    bootstrap.reset()
    return make_user()[1]


def request(
    host: HostProcess,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, http.client.HTTPResponse]:
    parts = urlsplit(host.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read(), answer
    finally:
        connection.close()


def test_a_direct_upload_is_put_to_the_local_host_then_completed_and_downloaded(
    host: HostProcess, token: str
) -> None:
    data = sample("mp4") + bytes(5 * 1024 * 1024)
    status, body, _ = request(
        host,
        "POST",
        "/api/v1/files/upload-url",
        json.dumps({"filename": "talk.mp4", "size": len(data)}).encode(),
        {**bearer(token), "Content-Type": "application/json"},
    )
    assert status == 201, body
    started = json.loads(body)
    url = urlsplit(started["upload_url"])
    assert f"{url.scheme}://{url.netloc}" == host.url.replace("127.0.0.1", url.hostname or "")

    status, body, _ = request(host, "PUT", f"{url.path}?{url.query}", data)
    assert status == 201, body
    status, body, _ = request(host, "PUT", f"{url.path}?{url.query}", data)
    assert status == 409, body  # single use

    path = f"/api/v1/files/{started['file_id']}/complete"
    status, body, _ = request(host, "POST", path, b"", bearer(token))
    assert status == 200, body
    status, body, answer = request(
        host, "GET", f"/api/v1/files/download/{started['file_id']}", None, bearer(token)
    )
    assert status == 200
    assert body == data
    assert answer.headers["Content-Disposition"] == "attachment; filename*=UTF-8''talk.mp4"


def test_an_upload_through_the_api_works_over_http(host: HostProcess, token: str) -> None:
    form, headers = multipart(("notes.pdf", sample("pdf")), {"folder": "week-1"})
    status, body, _ = request(
        host, "POST", "/api/v1/files/upload", form, {**headers, **bearer(token)}
    )
    assert status == 201, body
    assert json.loads(body)["folder"] == "week-1"


def test_a_body_over_a_routes_limit_is_refused_before_it_is_sent(host: HostProcess) -> None:
    """Waitress takes bodies up to the direct upload limit, but only on that URL: the course
    route's limit (MAX_REQUEST_BODY_BYTES) holds while the body arrives."""
    parts = urlsplit(host.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", "/api/v1/courses")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(32 * 1024 * 1024))
        connection.endheaders()  # no body at all: the answer must not wait for one
        answer = connection.getresponse()
        assert answer.status == 413
        assert "1048576 bytes" in json.loads(answer.read())["detail"]
    finally:
        connection.close()


def test_a_chunked_body_over_a_routes_limit_is_cut_off_while_it_arrives(host: HostProcess) -> None:
    parts = urlsplit(host.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.putrequest("POST", "/api/v1/courses")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        chunk = b"x" * 65536
        try:
            for _ in range(256):  # 16 MiB, far past the 1 MiB limit
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection once the limit was passed
        answer = connection.getresponse()
        assert answer.status == 413
    finally:
        connection.close()
