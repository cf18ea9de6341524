"""POST /files/upload: a file sent through the API, checked and stored in one request."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings
from shared.schemas.files import FileOut
from shared.security.permissions import Actor
from shared.services.files import quota
from shared.services.files.content import check_content, kind_for
from shared.services.files.naming import clean_filename, normalize_folder
from shared.services.files.records import check_size, new_file
from shared.storage import HEAD_BYTES, BlobStore
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class IncomingFile:
    filename: str | None
    data: bytes


def upload_file(
    uow: UnitOfWork,
    store: BlobStore,
    settings: Settings,
    actor: Actor,
    incoming: IncomingFile,
    *,
    folder: str | None,
    is_public: bool,
) -> FileOut:
    """Check the file (name, size, folder, content, quota), store it, and record it.

    The blob is written before the row commits: a failed commit leaves a blob without a row,
    which the clean-up timer removes; the other order could leave a row without bytes."""
    original = clean_filename(incoming.filename)
    extension, kind = kind_for(original)
    check_size(len(incoming.data), settings.MAX_UPLOAD_BYTES)
    normalized_folder = normalize_folder(folder)
    check_content(extension, incoming.data[:HEAD_BYTES])
    quota.reserve(uow.session, actor.id, len(incoming.data), settings.USER_STORAGE_QUOTA_BYTES)
    stored = new_file(
        settings,
        uploader_id=actor.id,
        original_filename=original,
        extension=extension,
        kind=kind,
        size=len(incoming.data),
        folder=normalized_folder,
        is_public=is_public,
        now=uow.clock(),
    )
    store.put(stored.storage_path, incoming.data, stored.mime_type)
    uow.session.add(stored)
    uow.commit()
    return FileOut.model_validate(stored)
