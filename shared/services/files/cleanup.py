"""The clean-up timer's work: storage that no file row accounts for.

Two kinds: direct uploads whose URL expired before they were completed (row and blob go),
and blobs without a row (a row deleted while storage was down, a user deleted with their
files, a commit that failed after its blob was written). A blob is taken for an orphan only
after ORPHAN_GRACE: an upload writes its blob a moment before its row commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import select

from shared.domain.files import FileStatus, UploadedFile
from shared.storage import BlobStore
from shared.uow import UnitOfWork

log = logging.getLogger("lms.files.cleanup")
ORPHAN_GRACE = timedelta(hours=1)
BATCH = 500


@dataclass
class CleanupResult:
    expired_uploads: int = 0
    orphaned_blobs: int = 0


def remove_abandoned(
    units: Callable[[], UnitOfWork], store: BlobStore, now: datetime
) -> CleanupResult:
    """Remove expired direct uploads, then blobs no row accounts for; one batch per commit."""
    result = CleanupResult()
    while True:
        with units() as uow:
            expired = uow.session.scalars(
                select(UploadedFile)
                .where(
                    UploadedFile.status == FileStatus.PENDING.value,
                    UploadedFile.upload_expires_at <= now,
                )
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            for pending in expired:
                store.delete(pending.storage_path)  # before the row: a failure keeps the row
                uow.session.delete(pending)
            uow.commit()
        result.expired_uploads += len(expired)
        if len(expired) < BATCH:
            break
    names = store.names(modified_before=now - ORPHAN_GRACE)
    for batch in _batches(names):
        with units() as uow:
            known = set(
                uow.session.scalars(
                    select(UploadedFile.storage_path).where(UploadedFile.storage_path.in_(batch))
                )
            )
        for name in batch:
            if name not in known:
                store.delete(name)
                result.orphaned_blobs += 1
    return result


def _batches(names: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(names, BATCH)):
        yield batch
