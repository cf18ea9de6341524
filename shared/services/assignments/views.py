"""Assignments and submissions as the API shows them.

A submission's content, link, files and type are its current version's. Reading a page of
submissions costs two statements whatever its length: the submissions joined to their
current versions, then the files of all those versions.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from shared.domain.assignments import Assignment, Submission, SubmissionFile, SubmissionVersion
from shared.domain.files import UploadedFile
from shared.schemas.assignments import (
    AssignmentOut,
    SubmissionDetail,
    SubmissionFileOut,
    SubmissionOut,
    SubmissionVersionOut,
)

DOWNLOAD_PATH = "/api/v1/files/download/{}"


def assignment_out(assignment: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.id,
        course_id=assignment.course_id,
        lesson_id=assignment.lesson_id,
        instructor_id=assignment.instructor_id,
        title=assignment.title,
        description=assignment.description,
        instructions=assignment.instructions,
        due_date=assignment.due_date,
        max_points=assignment.max_points,
        grading_type=assignment.grading_type,
        assignment_metadata=assignment.metadata_,
        status=assignment.status,
        is_published=assignment.is_published,
        late_policy=assignment.late_policy,
        late_penalty_percent=assignment.late_penalty_percent,
        max_submissions=assignment.max_submissions,
        published_at=assignment.published_at,
        created_at=assignment.created_at,
        updated_at=assignment.updated_at,
    )


def with_current_version(statement: Select[Any]) -> Select[Any]:
    """`statement` (selecting Submission) with each submission's current version beside it."""
    return statement.add_columns(SubmissionVersion).join(
        SubmissionVersion,
        and_(
            SubmissionVersion.submission_id == Submission.id,
            SubmissionVersion.number == Submission.version,
        ),
    )


def files_of(session: Session, version_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
    """The attached files of each version, in the order they were sent: one statement."""
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    if not version_ids:
        return found
    rows = session.execute(
        select(SubmissionFile.version_id, UploadedFile)
        .join(UploadedFile, UploadedFile.id == SubmissionFile.file_id)
        .where(SubmissionFile.version_id.in_(version_ids))
        .order_by(SubmissionFile.version_id, SubmissionFile.position)
    ).all()
    for version_id, stored in rows:
        found[version_id].append(_file_out(stored))
    return found


def _file_out(stored: UploadedFile) -> SubmissionFileOut:
    return SubmissionFileOut(
        id=stored.id,
        original_filename=stored.original_filename,
        mime_type=stored.mime_type,
        file_size=stored.file_size,
        download_url=DOWNLOAD_PATH.format(stored.id),
    )


def submission_out(
    submission: Submission, version: SubmissionVersion, files: list[SubmissionFileOut]
) -> SubmissionOut:
    return SubmissionOut(
        id=submission.id,
        assignment_id=submission.assignment_id,
        enrollment_id=submission.enrollment_id,
        student_id=submission.student_id,
        version=submission.version,
        content=version.content,
        link_url=version.link_url,
        file_urls=[f.download_url for f in files],
        files=files,
        submission_type=version.submission_type,
        submission_metadata=version.metadata_,
        submitted_at=submission.submitted_at,
        is_late=submission.is_late,
        days_late=submission.days_late,
        graded_at=submission.graded_at,
        returned_at=submission.returned_at,
        status=submission.status,
        grade=submission.grade,
        grade_before_penalty=submission.grade_before_penalty,
        late_penalty_percent=submission.late_penalty_percent,
        max_grade=submission.max_grade,
        feedback=submission.feedback,
        feedback_attachments=list(submission.feedback_attachments or []),
    )


def submission_outs(
    session: Session, rows: Sequence[tuple[Submission, SubmissionVersion]]
) -> list[SubmissionOut]:
    files = files_of(session, [version.id for _, version in rows])
    return [submission_out(s, v, files.get(v.id, [])) for s, v in rows]


def submission_detail(session: Session, submission: Submission) -> SubmissionDetail:
    """The submission with every version: the versions, then their files."""
    versions = session.scalars(
        select(SubmissionVersion)
        .where(SubmissionVersion.submission_id == submission.id)
        .order_by(SubmissionVersion.number)
    ).all()
    files = files_of(session, [v.id for v in versions])
    current = next(v for v in versions if v.number == submission.version)
    out = submission_out(submission, current, files.get(current.id, []))
    return SubmissionDetail(
        **dict(out),
        versions=[
            SubmissionVersionOut(
                number=v.number,
                submission_type=v.submission_type,
                content=v.content,
                link_url=v.link_url,
                files=files.get(v.id, []),
                submission_metadata=v.metadata_,
                submitted_at=v.submitted_at,
                is_late=v.is_late,
                days_late=v.days_late,
            )
            for v in versions
        ],
    )
