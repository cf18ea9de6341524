"""/api/v1/files: uploads (through the API, or straight to storage), the caller's files,
downloads and deletion."""

from __future__ import annotations

from urllib.parse import urlsplit

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import AUTHENTICATED, Actor, Request, Router
from shared.http.multipart import form_model, parse_multipart
from shared.http.problem import HttpProblem
from shared.schemas.files import FileListQuery, FileOut, UploadForm, UploadUrlCreate, UploadUrlOut
from shared.schemas.pages import Page
from shared.security.rate_limits import UPLOAD_RULE
from shared.services.files import direct, downloads, library, uploads
from shared.services.files.records import megabytes
from shared.storage import attachment
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/files", access=AUTHENTICATED)

# The largest file the setting allows (100 MiB) plus room for the form around it; the form
# parser holds the file part to MAX_UPLOAD_BYTES itself.
UPLOAD_BODY_BYTES = 100 * 1024 * 1024 + 64 * 1024


@api.post(
    "upload",
    status=201,
    rate_limit=UPLOAD_RULE,
    max_body_bytes=UPLOAD_BODY_BYTES,
    multipart=UploadForm,
)
def files_upload(request: Request, actor: Actor, uow: UnitOfWork, deps: Dependencies) -> FileOut:
    """Upload a file (multipart `file`, `folder`, `is_public`), checked and stored."""
    limit = deps.settings.MAX_UPLOAD_BYTES
    form = parse_multipart(
        request, max_file_bytes=limit, too_large=f"File too large. Max size is {megabytes(limit)}"
    )
    fields = form_model(form, UploadForm)
    part = form.files.get("file")
    if part is None:
        errors = [{"loc": ["body", "file"], "msg": "Field required", "type": "missing"}]
        raise HttpProblem(422, "Send the file in a part named `file`", errors=errors)
    incoming = uploads.IncomingFile(part.filename, part.data)
    return uploads.upload_file(
        uow,
        deps.files,
        deps.settings,
        actor,
        incoming,
        folder=fields.folder,
        is_public=fields.is_public,
    )


@api.post("upload-url", status=201, rate_limit=UPLOAD_RULE)
def files_upload_url(
    body: UploadUrlCreate, request: Request, actor: Actor, uow: UnitOfWork, deps: Dependencies
) -> UploadUrlOut:
    """Start a direct upload: a short-lived URL to PUT a large file to, once."""
    parts = urlsplit(request.http.url)
    base_url = f"{'https' if request.is_https else 'http'}://{parts.netloc}"
    return direct.start_direct_upload(uow, deps.files, deps.settings, actor, body, base_url)


@api.post("{file_id:guid}/complete")
def files_complete(file_id: str, actor: Actor, uow: UnitOfWork, deps: Dependencies) -> FileOut:
    """Check a direct upload's bytes and make the file available."""
    return direct.complete_upload(uow, deps.files, deps.settings, actor, file_id)


@api.get("my-files")
def files_list_mine(query: FileListQuery, actor: Actor, uow: UnitOfWork) -> Page[FileOut]:
    """The caller's files, newest first, optionally of one file_type."""
    return library.list_files(uow, actor, query)


@api.get("download/{file_id:guid}", other_statuses=(307,), media_type="application/octet-stream")
def files_download(
    file_id: str, actor: Actor, uow: UnitOfWork, deps: Dependencies
) -> func.HttpResponse:
    """A 307 to a short-lived read URL (a SAS in Azure, a link `lms serve` streams), or
    the file's bytes where no such URL is served."""
    target = downloads.download(uow, deps.files, deps.settings, actor, file_id)
    if target.redirect_url is not None:
        return func.HttpResponse(
            status_code=307,
            headers={"Location": target.redirect_url, "Cache-Control": "no-store"},
        )
    return func.HttpResponse(
        body=target.data,
        status_code=200,
        mimetype=target.content_type,
        headers={
            "Content-Disposition": attachment(target.filename),
            "Cache-Control": "private, no-store",
        },
    )


@api.delete("{file_id:guid}", status=204)
def files_delete(file_id: str, actor: Actor, uow: UnitOfWork, deps: Dependencies) -> None:
    """Delete a file (its uploader or an admin), blob and all."""
    library.delete_file(uow, deps.files, actor, file_id)
