"""POST /api/v1/files/upload: real files are stored; impostors, oversize and odd folders are not."""

from __future__ import annotations

import pytest

from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.files.file_calls import (
    multipart,
    stored_bytes,
    stored_row,
    upload,
)
from tests.sample_files import SAMPLES, executable, html, image, sample

pytestmark = pytest.mark.usefixtures("database_url")

EXPECTED = {
    "pdf": ("application/pdf", "document"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document"),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "document",
    ),
    "jpg": ("image/jpeg", "image"),
    "jpeg": ("image/jpeg", "image"),
    "png": ("image/png", "image"),
    "gif": ("image/gif", "image"),
    "webp": ("image/webp", "image"),
    "mp4": ("video/mp4", "video"),
    "mp3": ("audio/mpeg", "other"),
    "zip": ("application/zip", "other"),
    "txt": ("text/plain", "document"),
    "csv": ("text/csv", "document"),
}
SPOOFING = "File content does not match expected extension '.{}'. Possible spoofing attempt."


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_a_real_file_of_each_allowed_kind_is_stored_with_its_metadata(extension: str) -> None:
    user, token = make_user()
    data = sample(extension)

    response = upload(token, f"Week 1 notes.{extension.upper()}", data)

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    mime_type, file_type = EXPECTED[extension]
    assert body["mime_type"] == mime_type
    assert body["file_type"] == file_type
    assert body["file_size"] == len(data)
    assert body["original_filename"] == f"Week 1 notes.{extension.upper()}"
    assert body["filename"] == f"{body['id'].replace('-', '')}.{extension}"
    assert body["file_url"] == f"/api/v1/files/download/{body['id']}"
    assert body["storage_provider"] == "local"
    assert body["folder"] == "uploads"
    assert body["is_public"] is False
    row = stored_row(body["id"])
    assert row is not None and row.uploader_id == user.id and row.status == "available"
    assert stored_bytes(f"uploads/{body['filename']}") == data


@pytest.mark.parametrize(
    "filename, data",
    [
        ("syllabus.pdf", executable()),
        ("photo.png", executable()),
        ("notes.txt", executable()),
        ("report.docx", executable()),
        ("page.pdf", html()),
        ("page.txt", html()),
        ("page.csv", b"  \n<html><body>hi</body></html>"),
        ("photo.pdf", image("png")),
        ("sheet.xlsx", SAMPLES["docx"]()),
        ("archive.mp4", SAMPLES["zip"]()),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused_and_not_stored(
    filename: str, data: bytes
) -> None:
    _, token = make_user()
    response = upload(token, filename, data)
    assert response.status_code == 400
    assert json_of(response)["detail"] == SPOOFING.format(filename.rsplit(".", 1)[1])
    assert json_of(make_list(token))["total"] == 0


def make_list(token: str) -> object:
    from tests.functional.files.file_calls import my_files

    return my_files(token)


@pytest.mark.parametrize("filename", ["setup.exe", "index.html", "script.js", "README", "a.pdf."])
def test_an_extension_outside_the_allow_list_is_refused(filename: str) -> None:
    _, token = make_user()
    response = upload(token, filename, b"anything")
    assert response.status_code == 400
    extension = filename.rpartition(".")[2] if "." in filename else ""
    assert json_of(response)["detail"].startswith(f"File extension '.{extension}' is not allowed")


def test_an_empty_file_is_refused() -> None:
    _, token = make_user()
    response = upload(token, "empty.txt", b"")
    assert response.status_code == 400
    assert json_of(response)["detail"] == "Uploaded file is empty"


def test_a_file_over_max_upload_bytes_is_413_with_the_references_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(1024 * 1024))
    _, token = make_user()
    response = upload(token, "big.txt", b"a" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert json_of(response)["detail"] == "File too large. Max size is 1MB"
    assert upload(token, "fits.txt", b"a" * (1024 * 1024)).status_code == 201


def test_a_body_larger_than_the_route_takes_is_413_before_it_is_parsed() -> None:
    _, token = make_user()
    from tests.accounts import bearer
    from tests.function_calls import call_http

    body, headers = multipart(("x.txt", b"x"))
    declared = str(100 * 1024 * 1024 + 64 * 1024 + 1)
    response = call_http(
        "files_upload",
        "POST",
        "/api/v1/files/upload",
        headers={**headers, **bearer(token), "Content-Length": declared},
        body=body,
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "folder, stored",
    [
        ("", "uploads"),
        ("course-1/week_2", "course-1/week_2"),
        ("course-1\\week_2", "course-1/week_2"),
        ("./course-1/./week_2/", "course-1/week_2"),
        ("a//b", "a/b"),
    ],
)
def test_folders_are_normalized_as_the_reference_did(folder: str, stored: str) -> None:
    _, token = make_user()
    response = upload(token, "notes.txt", b"hello", folder=folder)
    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["folder"] == stored
    assert stored_bytes(f"{stored}/{body['filename']}") == b"hello"


@pytest.mark.parametrize(
    "folder, detail",
    [
        ("../etc", "Invalid folder path"),
        ("uploads/../../secrets", "Invalid folder path"),
        ("..\\..\\windows", "Invalid folder path"),
        ("/etc/cron.d", "Invalid folder path"),
        ("\\\\server\\share", "Invalid folder path"),
        ("my files", "Folder path contains unsupported characters"),
        ("week%2F1", "Folder path contains unsupported characters"),
        ("café", "Folder path contains unsupported characters"),
        ("a/b:c", "Folder path contains unsupported characters"),
        ("x" * 101, "Invalid folder path"),
    ],
)
def test_traversal_and_odd_folder_names_are_refused(folder: str, detail: str) -> None:
    _, token = make_user()
    response = upload(token, "notes.txt", b"hello", folder=folder)
    assert response.status_code == 400
    assert json_of(response)["detail"].startswith(detail)


def test_a_filename_with_a_path_keeps_only_its_last_part_and_never_names_the_blob() -> None:
    _, token = make_user()
    response = upload(token, "../../etc/passwd.txt", b"root:x:0:0")
    assert response.status_code == 201
    body = json_of(response)
    assert body["original_filename"] == "passwd.txt"
    assert stored_bytes(f"uploads/{body['filename']}") == b"root:x:0:0"


def test_a_public_file_is_recorded_as_public() -> None:
    _, token = make_user()
    response = upload(token, "notes.txt", b"hello", is_public="true")
    assert json_of(response)["is_public"] is True


def test_the_quota_refuses_a_file_that_does_not_fit_and_says_what_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USER_STORAGE_QUOTA_BYTES", "1000")
    _, token = make_user()
    _, other = make_user()
    assert upload(token, "a.txt", b"a" * 600).status_code == 201

    response = upload(token, "b.txt", b"b" * 401)

    assert response.status_code == 409
    assert json_of(response)["detail"].startswith(
        "Storage quota exceeded: this file needs 401 bytes and 400 of your 1000 bytes are left."
    )
    assert upload(token, "c.txt", b"c" * 400).status_code == 201
    assert upload(other, "d.txt", b"d" * 1000).status_code == 201  # a quota per user


def test_a_form_without_a_file_part_is_422() -> None:
    _, token = make_user()
    from tests.accounts import bearer
    from tests.function_calls import call_http

    body, headers = multipart(None, {"folder": "x"})
    response = call_http(
        "files_upload",
        "POST",
        "/api/v1/files/upload",
        headers={**headers, **bearer(token)},
        body=body,
    )
    assert response.status_code == 422


def test_a_json_body_is_415_and_a_truncated_form_is_400() -> None:
    _, token = make_user()
    from tests.accounts import bearer
    from tests.function_calls import call_http

    response = call_http(
        "files_upload", "POST", "/api/v1/files/upload", headers=bearer(token), json_body={}
    )
    assert response.status_code == 415
    body, headers = multipart(("a.txt", b"hello"))
    response = call_http(
        "files_upload",
        "POST",
        "/api/v1/files/upload",
        headers={**headers, **bearer(token)},
        body=body[:-20],
    )
    assert response.status_code == 400


def test_anonymous_callers_are_401() -> None:
    assert upload(None, "a.txt", b"hello").status_code == 401


def test_the_upload_rate_limit_counts_uploads_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILE_UPLOAD_RATE_LIMIT_REQUESTS_PER_HOUR", "2")
    _, token = make_user(role=Role.INSTRUCTOR)
    _, other = make_user()
    assert upload(token, "a.txt", b"1").status_code == 201
    assert upload(token, "b.txt", b"2").status_code == 201
    refused = upload(token, "c.txt", b"3")
    assert refused.status_code == 429
    assert upload(other, "d.txt", b"4").status_code == 201
