"""The per-user storage quota: what a user's files add up to, pending direct uploads too."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.domain.errors import QuotaExceededError
from shared.domain.files import UploadedFile
from shared.domain.users import User


def used_bytes(session: Session, user_id: uuid.UUID) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(UploadedFile.file_size), 0)).where(
            UploadedFile.uploader_id == user_id
        )
    )
    return int(total or 0)


def reserve(session: Session, user_id: uuid.UUID, size: int, quota: int) -> None:
    """Raise QuotaExceededError unless `size` more bytes fit the user's quota.

    Locks the user's row first, so two uploads of one user are counted one after the other
    and cannot both fit into the same last free bytes; the caller commits."""
    session.get(User, user_id, with_for_update=True)
    used = used_bytes(session, user_id)
    left = max(0, quota - used)
    if size > left:
        raise QuotaExceededError(
            f"Storage quota exceeded: this file needs {size} bytes and {left} of your "
            f"{quota} bytes are left. Delete files you no longer need, then try again."
        )
