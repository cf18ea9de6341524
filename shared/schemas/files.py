"""/api/v1/files: uploaded files, direct uploads to storage, and the caller's list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from shared.domain.files import FileType
from shared.schemas.base import Schema
from shared.schemas.pages import PageQuery

Folder = Annotated[str, StringConstraints(max_length=255)]


class FileOut(Schema):
    """The reference's FileResponse, plus `folder`, `is_public` and `status`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    original_filename: str
    file_url: str
    file_type: FileType
    mime_type: str
    file_size: int
    folder: str
    is_public: bool
    storage_provider: str
    status: str
    created_at: datetime


class FileListQuery(PageQuery):
    file_type: FileType | None = None


class UploadUrlCreate(Schema):
    """A file to send straight to storage: what it is called and how large it is."""

    filename: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    size: int = Field(ge=1, description="The file's exact size in bytes")
    content_type: Annotated[str, StringConstraints(max_length=255)] | None = None
    folder: Folder = "uploads"
    is_public: bool = False


class UploadUrlOut(Schema):
    """Where to PUT the bytes (once, before `expires_at`), then POST /{file_id}/complete."""

    file_id: uuid.UUID
    upload_url: str
    expires_at: datetime
    method: str = "PUT"
    # Headers the PUT must carry (Azure needs the blob type).
    headers: dict[str, str] = Field(default_factory=dict)


class UploadForm(Schema):
    """The text fields of POST /files/upload, beside the `file` part."""

    folder: Folder = "uploads"
    is_public: bool = False
