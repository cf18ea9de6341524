"""The local folder's answer to a SAS URL: `lms serve` takes the bytes of a direct upload.

`PUT /local-storage/upload?token=...` (the URL POST /api/v1/files/upload-url hands out when
STORAGE=local) spends the signed token once, then streams the body, a chunk at a time, into
the files folder: never more than the size the upload declared, and never all of it in
memory. POST /api/v1/files/{id}/complete then checks what arrived, as it does in Azure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from shared import bootstrap
from shared.domain.errors import DomainError
from shared.http.errors import status_for
from shared.http.problem import HttpProblem
from shared.local.body_limits import too_large
from shared.local.wsgi import StartResponse, answer_json, answer_problem
from shared.services.files.direct import LOCAL_UPLOAD_PATH, claim_local_upload

CHUNK_BYTES = 1024 * 1024

__all__ = ["LOCAL_UPLOAD_PATH", "LocalUploads"]


class _TooLarge(Exception):
    pass


class LocalUploads:
    """The WSGI app mounted at LOCAL_UPLOAD_PATH."""

    def __repr__(self) -> str:
        return f"LocalUploads({LOCAL_UPLOAD_PATH!r})"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body = self._upload(environ)
        except HttpProblem as problem:
            return answer_problem(environ, start_response, problem)
        return answer_json(start_response, status, body)

    def _upload(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if str(environ.get("REQUEST_METHOD", "")).upper() != "PUT":
            raise HttpProblem(405, "PUT the file's bytes to this URL", headers={"Allow": "PUT"})
        token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
        deps = bootstrap.current()
        try:
            with deps.uow() as uow:
                claimed = claim_local_upload(uow, deps.settings, token)
        except DomainError as exc:
            status, headers = status_for(exc)
            raise HttpProblem(status, exc.detail, headers=headers) from None
        length = str(environ.get("CONTENT_LENGTH") or "")
        if length.isdigit() and int(length) > claimed.size:
            raise too_large(claimed.size, int(length))
        try:
            size = deps.files.put_stream(
                claimed.storage_path, _chunks(environ, claimed.size), claimed.mime_type
            )
        except _TooLarge:
            raise too_large(claimed.size) from None
        return 201, {"file_id": str(claimed.file_id), "size": size}


def _chunks(environ: dict[str, Any], limit: int) -> Iterator[bytes]:
    """The body a chunk at a time; _TooLarge once it passes `limit`."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    length = str(environ.get("CONTENT_LENGTH") or "")
    remaining = int(length) if length.isdigit() else None
    if remaining is None and not environ.get("wsgi.input_terminated"):
        return  # no length and no promise that the stream ends (PEP 3333): read nothing
    seen = 0
    while remaining is None or remaining > 0:
        want = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
        chunk = stream.read(want)
        if not chunk:
            return
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge
        if remaining is not None:
            remaining -= len(chunk)
        yield bytes(chunk)
