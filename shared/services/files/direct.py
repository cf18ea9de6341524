"""Direct uploads: large files go from the client straight to storage, not through the API.

1. POST /files/upload-url records a pending file (its declared size held against the quota)
   and answers a URL the client PUTs the bytes to: a create-only SAS in Azure, which cannot
   overwrite the blob once it exists; on a laptop, a signed single-use URL of `lms serve`
   (shared/local/uploads.py), spent by `claim_local_upload`.
2. POST /files/{id}/complete checks what arrived (size, content) and makes the file available.
A pending file whose URL expired is removed by the clean-up timer, blob and row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from shared.config import Settings
from shared.domain.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    ContentTooLargeError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.files import FileStatus, UploadedFile
from shared.schemas.files import FileOut, UploadUrlCreate, UploadUrlOut
from shared.security.permissions import Actor
from shared.security.tokens import decode_token, issue_token
from shared.services.files import quota
from shared.services.files.content import check_content, kind_for
from shared.services.files.library import FILE_NOT_FOUND
from shared.services.files.naming import clean_filename, normalize_folder
from shared.services.files.records import check_size, new_file
from shared.services.ids import parse_id
from shared.storage import BlobStore, SignedUrls
from shared.uow import UnitOfWork

# Where `lms serve` takes the bytes of a direct upload to the local folder.
LOCAL_UPLOAD_PATH = "/local-storage/upload"
UPLOAD_TOKEN = "file_upload"  # noqa: S105 (a token type, not a secret)


@dataclass(frozen=True)
class ClaimedUpload:
    """A local upload URL just spent: where its bytes go, and how many may come."""

    file_id: uuid.UUID
    storage_path: str
    size: int
    mime_type: str


def start_direct_upload(
    uow: UnitOfWork,
    store: BlobStore,
    settings: Settings,
    actor: Actor,
    body: UploadUrlCreate,
    base_url: str,
) -> UploadUrlOut:
    """Record a pending file and answer where to PUT its bytes."""
    original = clean_filename(body.filename)
    extension, kind = kind_for(original)
    check_size(body.size, settings.MAX_DIRECT_UPLOAD_BYTES)
    folder = normalize_folder(body.folder)
    quota.reserve(uow.session, actor.id, body.size, settings.USER_STORAGE_QUOTA_BYTES)
    now = uow.clock()
    expires_at = now + timedelta(seconds=settings.FILE_UPLOAD_URL_EXPIRE_SECONDS)
    pending = new_file(
        settings,
        uploader_id=actor.id,
        original_filename=original,
        extension=extension,
        kind=kind,
        size=body.size,
        folder=folder,
        is_public=body.is_public,
        now=now,
        status=FileStatus.PENDING,
        upload_expires_at=expires_at,
    )
    headers: dict[str, str] = {}
    if isinstance(store, SignedUrls):
        url = store.write_url(pending.storage_path, expires_at)
        headers = {"x-ms-blob-type": "BlockBlob", "x-ms-blob-content-type": kind.mime}
    else:
        token = issue_token(
            settings,
            UPLOAD_TOKEN,
            pending.id,
            timedelta(seconds=settings.FILE_UPLOAD_URL_EXPIRE_SECONDS),
            now,
        )
        url = f"{base_url}{LOCAL_UPLOAD_PATH}?{urlencode({'token': token.token})}"
    uow.session.add(pending)
    uow.commit()
    return UploadUrlOut(file_id=pending.id, upload_url=url, expires_at=expires_at, headers=headers)


def claim_local_upload(uow: UnitOfWork, settings: Settings, token: str) -> ClaimedUpload:
    """Spend a local upload URL: AccessDeniedError when it is not valid (forged, expired),
    ResourceConflictError when it was used already."""
    now = uow.clock()
    try:
        claims = decode_token(settings, token, UPLOAD_TOKEN)
    except AuthenticationRequiredError as exc:
        detail = f"This upload URL is not valid ({exc.detail}); ask for a new one"
        raise AccessDeniedError(detail) from None
    if claims.expires_at <= now:
        raise AccessDeniedError("This upload URL has expired; ask for a new one")
    pending = uow.session.get(UploadedFile, claims.subject, with_for_update=True)
    if pending is None or pending.status != FileStatus.PENDING.value:
        raise ResourceNotFoundError("This upload no longer exists; ask for a new upload URL")
    if pending.upload_claimed_at is not None:
        raise ResourceConflictError("This upload URL was used already; ask for a new one")
    pending.upload_claimed_at = now
    claimed = ClaimedUpload(pending.id, pending.storage_path, pending.file_size, pending.mime_type)
    uow.commit()
    return claimed


def complete_upload(
    uow: UnitOfWork, store: BlobStore, settings: Settings, actor: Actor, file_id: str
) -> FileOut:
    """Check what was PUT (size, content) and make the file available; idempotent.

    Bytes that fail a check are discarded with the pending file, so a refused upload holds
    no quota and no storage."""
    stored = uow.session.get(UploadedFile, parse_id(file_id, FILE_NOT_FOUND), with_for_update=True)
    if stored is None or stored.uploader_id != actor.id:
        raise ResourceNotFoundError(FILE_NOT_FOUND)
    if stored.is_available:
        return FileOut.model_validate(stored)
    expires_at = stored.upload_expires_at
    if expires_at is not None and expires_at <= uow.clock():
        _discard(uow, store, stored)
        raise ResourceConflictError(
            "The upload URL expired before the upload was completed; ask for a new one"
        )
    if not store.exists(stored.storage_path):
        raise ResourceConflictError(
            "Nothing has been uploaded yet; PUT the file to upload_url, then complete it"
        )
    size = store.size(stored.storage_path)
    try:
        if size > stored.file_size:
            raise ContentTooLargeError(
                f"The upload has {size} bytes, more than the {stored.file_size} declared; "
                "ask for a new upload URL with the file's exact size"
            )
        if size == 0:
            raise RuleViolationError("Uploaded file is empty")
        extension = stored.filename.rpartition(".")[2]
        check_content(extension, store.head(stored.storage_path))
    except RuleViolationError:
        _discard(uow, store, stored)
        raise
    stored.file_size = size
    stored.status = FileStatus.AVAILABLE.value
    stored.upload_expires_at = None
    uow.commit()
    return FileOut.model_validate(stored)


def _discard(uow: UnitOfWork, store: BlobStore, stored: UploadedFile) -> None:
    name = stored.storage_path
    uow.session.delete(stored)
    uow.commit()
    store.delete(name)
