"""Uploaded files: the row that says whose a stored blob is, what it holds and who may read it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class FileStatus(enum.StrEnum):
    # A direct upload whose URL was handed out and whose bytes are not checked yet; its
    # declared size counts against the quota until it completes or expires.
    PENDING = "pending"
    AVAILABLE = "available"


class FileType(enum.StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    DOCUMENT = "document"
    OTHER = "other"


class UploadedFile(Base):
    __tablename__ = "uploaded_files"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'available')", name="status"),
        CheckConstraint("file_type IN ('video', 'image', 'document', 'other')", name="file_type"),
        CheckConstraint("file_size >= 0", name="file_size"),
        Index("ix_uploaded_files_uploader_id_created_at", "uploader_id", "created_at"),
        Index(
            "ix_uploaded_files_uploader_id_file_type_created_at",
            "uploader_id",
            "file_type",
            "created_at",
        ),
        Index("ix_uploaded_files_status_upload_expires_at", "status", "upload_expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Indexed by the (uploader_id, created_at) index, which leads with it.
    uploader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255), unique=True)  # <uuid hex>.<ext>
    original_filename: Mapped[str] = mapped_column(String(255))
    file_url: Mapped[str] = mapped_column(String(1024))
    # The blob's name in the files container: <folder>/<filename>.
    storage_path: Mapped[str] = mapped_column(String(1024), unique=True)
    file_type: Mapped[str] = mapped_column(String(50), default=FileType.OTHER.value)
    mime_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(BigInteger)
    folder: Mapped[str] = mapped_column(String(100), default="uploads")
    storage_provider: Mapped[str] = mapped_column(String(50), default="local")
    is_public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=FileStatus.AVAILABLE.value)
    # Direct uploads only: when the upload URL stops working and the pending row may go,
    # and when the local host's single-use URL was used.
    upload_expires_at: Mapped[datetime | None]
    upload_claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    @property
    def is_available(self) -> bool:
        return self.status == FileStatus.AVAILABLE.value
