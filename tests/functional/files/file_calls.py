"""The file routes called as a client calls them, and what they leave in storage."""

from __future__ import annotations

import io
import uuid
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func

from shared import bootstrap
from shared.domain.files import UploadedFile
from shared.local.uploads import LocalUploads
from tests.accounts import bearer
from tests.function_calls import call_http
from tests.unit_of_work import unit_of_work

BASE = "/api/v1/files"
BOUNDARY = "lms-test-boundary-7MA4YWxkTrZu0gW"


def multipart(
    file: tuple[str, bytes] | None,
    fields: dict[str, str] | None = None,
    *,
    content_type: str = "application/octet-stream",
) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body with an optional `file` part, and its Content-Type."""
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    if file is not None:
        filename, data = file
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue(), {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def upload(token: str | None, filename: str, data: bytes, **fields: str) -> func.HttpResponse:
    body, headers = multipart((filename, data), fields)
    return call_http(
        "files_upload",
        "POST",
        f"{BASE}/upload",
        headers={**headers, **(bearer(token) if token else {})},
        body=body,
    )


def upload_url(token: str | None, **body: Any) -> func.HttpResponse:
    return call_http(
        "files_upload_url",
        "POST",
        f"{BASE}/upload-url",
        headers=bearer(token) if token else {},
        json_body=body,
    )


def complete(file_id: object, token: str | None) -> func.HttpResponse:
    return call_http(
        "files_complete",
        "POST",
        f"{BASE}/{file_id}/complete",
        headers=bearer(token) if token else {},
        route_params={"file_id": str(file_id)},
    )


def my_files(token: str | None, query: str = "") -> func.HttpResponse:
    return call_http(
        "files_list_mine", "GET", f"{BASE}/my-files{query}", headers=bearer(token) if token else {}
    )


def download(file_id: object, token: str | None) -> func.HttpResponse:
    return call_http(
        "files_download",
        "GET",
        f"{BASE}/download/{file_id}",
        headers=bearer(token) if token else {},
        route_params={"file_id": str(file_id)},
    )


def delete(file_id: object, token: str | None) -> func.HttpResponse:
    return call_http(
        "files_delete",
        "DELETE",
        f"{BASE}/{file_id}",
        headers=bearer(token) if token else {},
        route_params={"file_id": str(file_id)},
    )


def put_local(url: str, data: bytes, *, chunked: bool = False) -> tuple[int, bytes]:
    """PUT `data` to a local upload URL through the local host's WSGI app, as `lms serve`
    serves it; `chunked` sends no Content-Length (a stream that ends)."""
    parts = urlsplit(url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "7071",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.input_terminated": True,
        "REMOTE_ADDR": "127.0.0.1",
    }
    if not chunked:
        environ["CONTENT_LENGTH"] = str(len(data))
    answer: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer.append(status)

    body = b"".join(LocalUploads()(environ, start_response))
    return int(answer[0][:3]), body


def stored_row(file_id: object) -> UploadedFile | None:
    with unit_of_work() as uow:
        row = uow.session.get(UploadedFile, uuid.UUID(str(file_id)))
        uow.session.expunge_all()
        return row


def stored_bytes(name: str) -> bytes | None:
    store = bootstrap.current().files
    return store.get(name) if store.exists(name) else None
