"""Files through `lms serve` over real HTTP: the direct upload URL it serves, and bodies held
to each route's limit while they arrive, though a direct upload may be much larger."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

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
    assert status == 307, body
    link = answer.headers["Location"]
    assert link.startswith("/local-storage/download?")

    status, body, answer = request(host, "GET", link)  # no credentials: the link is enough
    assert status == 200
    assert body == data
    assert answer.headers["Content-Type"] == "video/mp4"
    assert answer.headers["Content-Length"] == str(len(data))
    assert answer.headers["Content-Disposition"] == (
        "attachment; filename=\"talk.mp4\"; filename*=UTF-8''talk.mp4"
    )


def upload_direct(host: HostProcess, token: str, filename: str, data: bytes) -> str:
    """A file put to the local host's upload URL and completed: its id."""
    status, body, _ = request(
        host,
        "POST",
        "/api/v1/files/upload-url",
        json.dumps({"filename": filename, "size": len(data)}).encode(),
        {**bearer(token), "Content-Type": "application/json"},
    )
    assert status == 201, body
    started = json.loads(body)
    url = urlsplit(started["upload_url"])
    assert request(host, "PUT", f"{url.path}?{url.query}", data)[0] == 201
    path = f"/api/v1/files/{started['file_id']}/complete"
    assert request(host, "POST", path, b"", bearer(token))[0] == 200
    return str(started["file_id"])


def download_link(host: HostProcess, token: str, file_id: str) -> str:
    status, body, answer = request(
        host, "GET", f"/api/v1/files/download/{file_id}", None, bearer(token)
    )
    assert status == 307, body
    return str(answer.headers["Location"])


def peak_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_large_download_is_streamed_from_disk_not_held_in_memory(
    host: HostProcess, token: str
) -> None:
    size = 48 * 1024 * 1024
    file_id = upload_direct(host, token, "lecture.mp4", sample("mp4") + bytes(size))
    link = download_link(host, token, file_id)
    before = peak_memory_kib(host.process.pid)

    parts = urlsplit(host.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", link)
        answer = connection.getresponse()
        assert answer.status == 200
        received = 0
        while chunk := answer.read(1024 * 1024):
            received += len(chunk)
    finally:
        connection.close()

    assert received == len(sample("mp4")) + size
    # Sent a chunk at a time: the server's peak memory grows by far less than the file
    # (7.5 MiB on a quiet machine; up to 13 MiB with the suite running beside it, as waitress
    # buffers more of the answer when the client reads slowly). Held whole, it grows by more
    # than the file.
    assert peak_memory_kib(host.process.pid) - before < size // 1024 // 2


def test_a_download_link_answers_head_and_refuses_what_it_does_not_sign(
    host: HostProcess, token: str
) -> None:
    file_id = upload_direct(host, token, "notes.txt", b"week one notes\n")
    link = download_link(host, token, file_id)

    status, body, answer = request(host, "HEAD", link)
    assert (status, body) == (200, b"")
    assert answer.headers["Content-Length"] == str(len(b"week one notes\n"))

    fields = dict(parse_qsl(urlsplit(link).query))
    for changed in ({"name": "evil.html"}, {"type": "text/html"}, {"path": "../lms.db"}):
        altered = f"{urlsplit(link).path}?{urlencode({**fields, **changed})}"
        status, body, _ = request(host, "GET", altered)
        assert status == 403, changed
        assert "not valid" in json.loads(body)["detail"]
    status, _, answer = request(host, "POST", link, b"")
    assert status == 405
    assert answer.headers["Allow"] == "GET, HEAD"


def test_a_download_link_stops_working_once_the_file_is_deleted(
    host: HostProcess, token: str
) -> None:
    file_id = upload_direct(host, token, "old.txt", b"old\n")
    link = download_link(host, token, file_id)
    assert request(host, "DELETE", f"/api/v1/files/{file_id}", None, bearer(token))[0] == 204

    status, body, _ = request(host, "GET", link)

    assert status == 404
    assert json.loads(body)["detail"] == "File no longer exists"


def test_another_user_gets_no_download_link(host: HostProcess, token: str) -> None:
    file_id = upload_direct(host, token, "private.txt", b"mine\n")
    _, stranger = make_user()

    status, _, answer = request(
        host, "GET", f"/api/v1/files/download/{file_id}", None, bearer(stranger)
    )

    assert status in (403, 404)
    assert "Location" not in answer.headers


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
