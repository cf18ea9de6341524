"""multipart/form-data bodies (file uploads), read part by part with limits while reading.

The body is fed to werkzeug's sans-IO decoder (werkzeug comes with azure-functions) a chunk
at a time, and a file part is refused with 413 as soon as it passes its limit, before the
rest is decoded or copied; a text field longer than a few kilobytes, or more parts than a
form needs, is refused as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from shared.http.problem import HttpProblem
from shared.http.request import Request, field_errors

M = TypeVar("M", bound=BaseModel)

MULTIPART_TYPE = "multipart/form-data"
CHUNK_BYTES = 64 * 1024
MAX_FIELD_BYTES = 8 * 1024
MAX_PARTS = 10


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class MultipartForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, FilePart] = field(default_factory=dict)


def parse_multipart(request: Request, *, max_file_bytes: int, too_large: str) -> MultipartForm:
    """The form in the request's multipart body: 415 for another content type, 400 when it
    is malformed, 413 (with `too_large` as detail) for a file part over `max_file_bytes`."""
    from werkzeug.exceptions import RequestEntityTooLarge
    from werkzeug.http import parse_options_header
    from werkzeug.sansio.multipart import (
        Data,
        Epilogue,
        Field,
        File,
        MultipartDecoder,
        NeedData,
    )

    content_type, options = parse_options_header(request.header("content-type"))
    if content_type != MULTIPART_TYPE:
        raise HttpProblem(
            415, f"Send the file as {MULTIPART_TYPE}, not {content_type or 'nothing'}"
        )
    boundary = options.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise HttpProblem(400, f"The {MULTIPART_TYPE} body needs a boundary of 1-200 characters")
    decoder = MultipartDecoder(
        boundary.encode("latin-1", "replace"),
        max_form_memory_size=CHUNK_BYTES + MAX_FIELD_BYTES + 4096,
        max_parts=MAX_PARTS,
    )
    body = memoryview(request.http.get_body())
    fields: dict[str, str] = {}
    files: dict[str, FilePart] = {}
    current: Field | File | None = None
    buffer = bytearray()
    finished = False
    chunks = [body[start : start + CHUNK_BYTES] for start in range(0, len(body), CHUNK_BYTES)]
    try:
        for chunk in [*chunks, None]:  # None: the body has ended
            decoder.receive_data(None if chunk is None else bytes(chunk))
            event = decoder.next_event()
            while not isinstance(event, NeedData | Epilogue):
                if isinstance(event, Field | File):
                    current, buffer = event, bytearray()
                elif isinstance(event, Data) and current is not None:
                    buffer.extend(event.data)
                    limit = max_file_bytes if isinstance(current, File) else MAX_FIELD_BYTES
                    if len(buffer) > limit:
                        if isinstance(current, File):
                            raise HttpProblem(413, too_large)
                        raise HttpProblem(400, f"Form field {current.name!r} is too long")
                    if not event.more_data:
                        _keep(current, bytes(buffer), fields, files)
                event = decoder.next_event()
            if isinstance(event, Epilogue):
                finished = True
                break
    except (ValueError, RequestEntityTooLarge):
        raise HttpProblem(400, f"The {MULTIPART_TYPE} body is malformed") from None
    if not finished:
        raise HttpProblem(400, f"The {MULTIPART_TYPE} body ends before its closing boundary")
    return MultipartForm(fields, files)


def _keep(part: object, data: bytes, fields: dict[str, str], files: dict[str, FilePart]) -> None:
    from werkzeug.sansio.multipart import File

    if isinstance(part, File):
        files.setdefault(part.name, FilePart(part.filename, part.headers.get("content-type"), data))
        return
    name = getattr(part, "name", "")
    try:
        fields.setdefault(name, data.decode("utf-8"))
    except UnicodeDecodeError:
        raise HttpProblem(400, f"Form field {name!r} is not UTF-8 text") from None


def form_model(form: MultipartForm, model: type[M]) -> M:
    """The form's text fields as `model`; 422 naming each field that is wrong."""
    from pydantic import ValidationError

    try:
        return model.model_validate(form.fields)
    except ValidationError as exc:
        raise HttpProblem(422, "The form is not valid", errors=field_errors(exc, "body")) from None
