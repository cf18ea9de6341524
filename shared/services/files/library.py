"""The files a user has: listing them, finding one, reading rights, deleting."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import exists, select

from shared.domain.assignments import Assignment, Submission, SubmissionFile, SubmissionVersion
from shared.domain.courses import Course
from shared.domain.errors import AccessDeniedError, ResourceConflictError, ResourceNotFoundError
from shared.domain.files import FileStatus, UploadedFile
from shared.domain.users import Role
from shared.schemas.files import FileListQuery, FileOut
from shared.schemas.pages import Page
from shared.security.permissions import Actor
from shared.services.ids import parse_id
from shared.services.pages import fetch_page
from shared.storage import BlobStore
from shared.uow import UnitOfWork

log = logging.getLogger("lms.files")
FILE_NOT_FOUND = "File not found"
ATTACHED = "This file is attached to an assignment submission; it stays while the submission does"


def owned_file(uow: UnitOfWork, owner_id: uuid.UUID, file_id: uuid.UUID | str) -> UploadedFile:
    """The available file `file_id` of `owner_id`; ResourceNotFoundError for any other (a
    missing file, a pending upload, or someone else's: all look alike to the caller)."""
    stored = uow.session.get(UploadedFile, parse_id(file_id, FILE_NOT_FOUND))
    if stored is None or stored.uploader_id != owner_id or not stored.is_available:
        raise ResourceNotFoundError(FILE_NOT_FOUND)
    return stored


def list_files(uow: UnitOfWork, actor: Actor, query: FileListQuery) -> Page[FileOut]:
    """The caller's available files, newest first, optionally of one file type."""
    statement = select(UploadedFile).where(
        UploadedFile.uploader_id == actor.id, UploadedFile.status == FileStatus.AVAILABLE.value
    )
    if query.file_type is not None:
        statement = statement.where(UploadedFile.file_type == query.file_type.value)
    statement = statement.order_by(UploadedFile.created_at.desc(), UploadedFile.id.desc())
    rows, total = fetch_page(uow.session, statement, query)
    return Page[FileOut].of([FileOut.model_validate(row[0]) for row in rows], total, query)


def readable_file(uow: UnitOfWork, actor: Actor, file_id: str) -> UploadedFile:
    """The file, if the caller may download it: its uploader, an admin, anyone signed in
    when it is public, or the instructor of a course it was submitted to (an attachment of a
    submission to one of the course's assignments)."""
    stored = uow.session.get(UploadedFile, parse_id(file_id, FILE_NOT_FOUND))
    if stored is None or not stored.is_available:
        raise ResourceNotFoundError(FILE_NOT_FOUND)
    if not (
        stored.is_public
        or actor.is_admin
        or stored.uploader_id == actor.id
        or _submitted_to_course_of(uow, actor, stored.id)
    ):
        raise AccessDeniedError("Not authorized to access this file")
    return stored


def _submitted_to_course_of(uow: UnitOfWork, actor: Actor, file_id: uuid.UUID) -> bool:
    """Whether the file is attached to a submission to a course the caller teaches."""
    if actor.role is not Role.INSTRUCTOR:
        return False
    attached = (
        select(SubmissionFile.file_id)
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(SubmissionFile.file_id == file_id, Course.instructor_id == actor.id)
    )
    return uow.session.scalar(select(exists(attached))) is True


def delete_file(uow: UnitOfWork, store: BlobStore, actor: Actor, file_id: str) -> None:
    """Delete a file (its uploader or an admin): the row, then the blob.

    The blob goes after the commit: a failed commit then loses nothing. A blob whose delete
    fails has no row any more, and the clean-up timer removes it later."""
    stored = uow.session.get(UploadedFile, parse_id(file_id, FILE_NOT_FOUND))
    if stored is None:
        raise ResourceNotFoundError(FILE_NOT_FOUND)
    if not (actor.is_admin or stored.uploader_id == actor.id):
        raise AccessDeniedError("Not authorized to delete this file")
    if uow.session.scalar(select(exists().where(SubmissionFile.file_id == stored.id))):
        raise ResourceConflictError(ATTACHED)
    name = stored.storage_path
    uow.session.delete(stored)
    uow.commit()
    try:
        store.delete(name)
    except Exception:
        log.warning("file %s: row deleted, blob %s left for the clean-up timer", file_id, name)
