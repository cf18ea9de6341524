"""A new file's row, the same for uploads through the API and direct ones."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.config import Settings
from shared.domain.errors import ContentTooLargeError, RuleViolationError
from shared.domain.files import FileStatus, UploadedFile
from shared.services.files.content import Kind
from shared.services.files.naming import download_path, stored_name


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}MB"


def check_size(size: int, limit: int) -> None:
    if size <= 0:
        raise RuleViolationError("Uploaded file is empty")
    if size > limit:
        raise ContentTooLargeError(f"File too large. Max size is {megabytes(limit)}")


def new_file(
    settings: Settings,
    *,
    uploader_id: uuid.UUID,
    original_filename: str,
    extension: str,
    kind: Kind,
    size: int,
    folder: str,
    is_public: bool,
    now: datetime,
    status: FileStatus = FileStatus.AVAILABLE,
    upload_expires_at: datetime | None = None,
) -> UploadedFile:
    file_id = uuid.uuid4()
    filename = stored_name(file_id, extension)
    return UploadedFile(
        id=file_id,
        uploader_id=uploader_id,
        filename=filename,
        original_filename=original_filename,
        # The API's download route in every store: it checks who asks, then streams the
        # bytes or redirects to a short-lived URL. A bare blob URL would need a public
        # container, and the reference's never worked without a SAS anyway.
        file_url=download_path(file_id),
        storage_path=f"{folder}/{filename}",
        file_type=kind.file_type.value,
        mime_type=kind.mime,
        file_size=size,
        folder=folder,
        storage_provider=settings.STORAGE,
        is_public=is_public,
        status=status.value,
        upload_expires_at=upload_expires_at,
        created_at=now,
    )
