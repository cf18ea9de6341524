"""GET /files/download/{id}: the bytes themselves, or where to fetch them for a while."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings
from shared.domain.errors import ResourceNotFoundError
from shared.security.permissions import Actor
from shared.services.files.library import readable_file
from shared.storage import BlobStore
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class DownloadTarget:
    filename: str
    content_type: str
    redirect_url: str | None = None  # a short-lived read URL
    data: bytes = b""  # the bytes, where the store hands out no URL


def download(
    uow: UnitOfWork, store: BlobStore, settings: Settings, actor: Actor, file_id: str
) -> DownloadTarget:
    """Where the caller gets the file: a read URL valid FILE_DOWNLOAD_URL_EXPIRE_SECONDS
    where the store hands them out (a SAS in Azure, a link `lms serve` streams locally), so
    the bytes never pass through the function; else the bytes."""
    stored = readable_file(uow, actor, file_id)
    filename, content_type = stored.original_filename, stored.mime_type
    url = store.download_url(
        stored.storage_path,
        filename=filename,
        content_type=content_type,
        expires_in=settings.FILE_DOWNLOAD_URL_EXPIRE_SECONDS,
    )
    if url is not None:
        return DownloadTarget(filename, content_type, redirect_url=url)
    try:
        data = store.get(stored.storage_path)
    except ResourceNotFoundError:
        raise ResourceNotFoundError("File no longer exists") from None
    return DownloadTarget(filename, content_type, data=data)
