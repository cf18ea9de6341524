"""Direct uploads on a laptop: upload-url, a single-use PUT to `lms serve`, then complete."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from shared.domain.files import UploadedFile
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.function_calls import json_of
from tests.functional.files.file_calls import (
    complete,
    download,
    my_files,
    put_local,
    stored_bytes,
    stored_row,
    upload_url,
)
from tests.sample_files import executable, sample

pytestmark = pytest.mark.usefixtures("database_url")


def start(token: str, filename: str, size: int, **extra: object) -> dict[str, object]:
    response = upload_url(token, filename=filename, size=size, **extra)
    assert response.status_code == 201, response.get_body()
    body: dict[str, object] = json_of(response)
    return body


def test_a_large_file_goes_to_the_local_folder_and_is_available_once_completed() -> None:
    _, token = make_user()
    data = sample("mp4") + bytes(3 * 1024 * 1024)  # several chunks of the local host's stream
    started = start(token, "Lecture 1.mp4", len(data), folder="videos/week-1")
    assert str(started["upload_url"]).startswith("http://localhost:7071/local-storage/upload?")
    pending = stored_row(started["file_id"])
    assert pending is not None and pending.status == "pending"
    assert json_of(my_files(token))["total"] == 0  # not listed until completed

    status, answer = put_local(str(started["upload_url"]), data)
    assert status == 201, answer
    completed = complete(started["file_id"], token)

    assert completed.status_code == 200, completed.get_body()
    body = json_of(completed)
    assert body["status"] == "available"
    assert body["file_type"] == "video"
    assert body["file_size"] == len(data)
    assert body["folder"] == "videos/week-1"
    assert stored_bytes(f"videos/week-1/{body['filename']}") == data
    assert json_of(my_files(token))["total"] == 1
    downloaded = download(started["file_id"], token)
    assert downloaded.status_code == 200
    assert downloaded.get_body() == data
    assert complete(started["file_id"], token).status_code == 200  # idempotent


def test_a_chunked_body_without_content_length_is_streamed_too() -> None:
    _, token = make_user()
    data = sample("pdf")
    started = start(token, "notes.pdf", len(data))
    assert put_local(str(started["upload_url"]), data, chunked=True)[0] == 201
    assert complete(started["file_id"], token).status_code == 200


def test_the_upload_url_works_once() -> None:
    _, token = make_user()
    data = sample("png")
    started = start(token, "diagram.png", len(data))
    assert put_local(str(started["upload_url"]), data)[0] == 201

    status, answer = put_local(str(started["upload_url"]), sample("png"))

    assert status == 409
    assert b"used already" in answer


def test_a_forged_or_expired_upload_url_is_403(clock: ManualClock) -> None:
    _, token = make_user()
    started = start(token, "notes.txt", 5)
    url = str(started["upload_url"])
    forged = url[:-3] + ("abc" if not url.endswith("abc") else "xyz")
    assert put_local(forged, b"hello")[0] == 403

    clock.advance(seconds=3601)
    status, answer = put_local(url, b"hello")
    assert status == 403
    assert b"expired" in answer


def test_a_body_larger_than_declared_is_413_and_nothing_is_stored() -> None:
    _, token = make_user()
    started = start(token, "notes.txt", 10)
    status, _ = put_local(str(started["upload_url"]), b"x" * 11)
    assert status == 413
    status, _ = put_local(str(started["upload_url"]), b"x" * 10)
    assert status == 409  # spent by the refused attempt
    # A chunked body is cut off as soon as it passes the size, before it is all read.
    other = start(token, "other.txt", 10)
    assert put_local(str(other["upload_url"]), b"y" * 5_000_000, chunked=True)[0] == 413
    row = stored_row(other["file_id"])
    assert row is not None
    assert stored_bytes(row.storage_path) is None
    response = complete(other["file_id"], token)
    assert response.status_code == 409
    assert json_of(response)["detail"].startswith("Nothing has been uploaded yet")


def test_spoofed_content_is_refused_at_completion_and_discarded() -> None:
    _, token = make_user()
    data = executable()
    started = start(token, "handout.pdf", len(data))
    put_local(str(started["upload_url"]), data)
    pending = stored_row(started["file_id"])
    assert pending is not None

    response = complete(started["file_id"], token)

    assert response.status_code == 400
    assert json_of(response)["detail"] == (
        "File content does not match expected extension '.pdf'. Possible spoofing attempt."
    )
    assert stored_row(started["file_id"]) is None
    assert stored_bytes(pending.storage_path) is None


def test_completing_after_the_url_expired_is_409_and_the_upload_is_dropped(
    clock: ManualClock,
) -> None:
    _, token = make_user()
    data = sample("txt")
    started = start(token, "notes.txt", len(data))
    put_local(str(started["upload_url"]), data)
    clock.advance(seconds=3601)

    response = complete(started["file_id"], token)

    assert response.status_code == 409
    assert "expired" in json_of(response)["detail"]
    assert stored_row(started["file_id"]) is None


def test_only_the_uploader_completes_an_upload() -> None:
    _, token = make_user()
    _, other = make_user()
    started = start(token, "notes.txt", 5)
    put_local(str(started["upload_url"]), b"hello")
    assert complete(started["file_id"], other).status_code == 404
    assert complete(started["file_id"], None).status_code == 401


def test_a_declared_size_over_the_direct_limit_is_413(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_DIRECT_UPLOAD_BYTES", str(2 * 1024 * 1024))
    _, token = make_user()
    response = upload_url(token, filename="movie.mp4", size=2 * 1024 * 1024 + 1)
    assert response.status_code == 413
    assert json_of(response)["detail"] == "File too large. Max size is 2MB"


def test_pending_uploads_hold_their_declared_size_against_the_quota(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USER_STORAGE_QUOTA_BYTES", "1000")
    _, token = make_user()
    start(token, "a.txt", 700)
    response = upload_url(token, filename="b.txt", size=301)
    assert response.status_code == 409
    assert "300 of your 1000 bytes are left" in json_of(response)["detail"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"filename": "setup.exe", "size": 10}, 400),
        ({"filename": "a.txt", "size": 0}, 422),
        ({"filename": "a.txt", "size": 10, "folder": "../x"}, 400),
        ({"size": 10}, 422),
    ],
)
def test_wrong_upload_url_requests_are_refused(body: dict[str, object], status: int) -> None:
    _, token = make_user()
    assert upload_url(token, **body).status_code == status


def test_the_upload_url_carries_no_user_credentials() -> None:
    _, token = make_user()
    started = start(token, "a.txt", 5)
    query = parse_qs(urlsplit(str(started["upload_url"])).query)
    assert set(query) == {"token"}
    assert token not in str(started["upload_url"])
    assert UploadedFile is not None
