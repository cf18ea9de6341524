"""The local folder's answer to a read SAS: `lms serve` streams a file a signed link names.

`GET /local-storage/download?...` is where file and certificate downloads redirect when
STORAGE=local and `lms serve` runs (shared/storage/local_links.py makes the links). The file
goes out from disk a chunk at a time, under the name and type the link carries; the function
that checked who may read it has already answered.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from shared.http.problem import HttpProblem
from shared.local.wsgi import StartResponse, answer_problem
from shared.storage import attachment
from shared.storage.local_links import LOCAL_DOWNLOAD_PATH, LinkRefused, LocalLinks

CHUNK_BYTES = 256 * 1024

__all__ = ["LOCAL_DOWNLOAD_PATH", "LocalDownloads"]


class LocalDownloads:
    """The WSGI app mounted at LOCAL_DOWNLOAD_PATH."""

    def __init__(self, links: LocalLinks) -> None:
        self.links = links

    def __repr__(self) -> str:
        return f"LocalDownloads({LOCAL_DOWNLOAD_PATH!r})"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        try:
            if method not in ("GET", "HEAD"):
                raise LinkRefused(405, "GET this URL to download the file")
            linked = self.links.open(str(environ.get("QUERY_STRING", "")))
            stream = linked.path.open("rb")
        except LinkRefused as refused:
            headers = {"Allow": "GET, HEAD"} if refused.status == 405 else None
            problem = HttpProblem(refused.status, refused.detail, headers=headers)
            return answer_problem(environ, start_response, problem)
        except OSError:  # removed between the check and the open
            return answer_problem(
                environ, start_response, HttpProblem(404, "File no longer exists")
            )
        size = os.fstat(stream.fileno()).st_size
        start_response(
            "200 OK",
            [
                ("Content-Type", linked.content_type or "application/octet-stream"),
                ("Content-Length", str(size)),
                ("Content-Disposition", attachment(linked.filename)),
                ("Cache-Control", "private, no-store"),
            ],
        )
        if method == "HEAD":
            stream.close()
            return []
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(stream, CHUNK_BYTES)  # type: ignore[no-any-return]
        return _chunks(stream)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
