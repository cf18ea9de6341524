"""Assignments of a course and students' submissions (/api/v1/assignments), with the
reference's paths. Every route counts against the "assignments" rate limit (per user)."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, INSTRUCTOR, Actor, Router
from shared.schemas.assignments import (
    AssignmentCreate,
    AssignmentList,
    AssignmentOut,
    AssignmentUpdate,
    GradeIn,
    SliceQuery,
    SubmissionCreate,
    SubmissionDetail,
    SubmissionList,
    SubmissionReview,
    SubmissionsQuery,
)
from shared.security.rate_limits import ASSIGNMENTS_RULE
from shared.services.assignments import authoring, reading, reviewing, submitting
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/assignments", access=AUTHENTICATED, rate_limit=ASSIGNMENTS_RULE)

ASSIGNMENT = "{assignment_id:guid}"
SUBMISSION = "submissions/{submission_id:guid}"


# --- assignments ---------------------------------------------------------------------------


@api.post("", access=INSTRUCTOR, status=201)
def assignments_create(body: AssignmentCreate, actor: Actor, uow: UnitOfWork) -> AssignmentOut:
    """Create an assignment of a course (its instructor, admins)."""
    return authoring.create_assignment(uow, actor, body)


@api.get(ASSIGNMENT)
def assignments_get(assignment_id: str, actor: Actor, uow: UnitOfWork) -> AssignmentOut:
    """One assignment (students: a published one of a course they are enrolled in)."""
    return authoring.get_assignment(uow, actor, assignment_id)


@api.get("course/{course_id:guid}")
def assignments_list(
    course_id: str, query: SliceQuery, actor: Actor, uow: UnitOfWork
) -> AssignmentList:
    """The course's assignments, soonest due first (students: the published ones)."""
    return authoring.list_assignments(uow, actor, course_id, query)


@api.put(ASSIGNMENT)
def assignments_update(
    assignment_id: str, body: AssignmentUpdate, actor: Actor, uow: UnitOfWork
) -> AssignmentOut:
    """Change an assignment; null clears a nullable field (the course's managers)."""
    return authoring.update_assignment(uow, actor, assignment_id, body)


@api.delete(ASSIGNMENT, status=204)
def assignments_delete(assignment_id: str, actor: Actor, uow: UnitOfWork) -> None:
    """Delete an assignment nobody has submitted to (otherwise archive it)."""
    authoring.delete_assignment(uow, actor, assignment_id)


# --- submissions ---------------------------------------------------------------------------


@api.post("submit", status=201)
def submissions_create(body: SubmissionCreate, actor: Actor, uow: UnitOfWork) -> SubmissionDetail:
    """Submit the caller's work (students): the first version, or the next."""
    return submitting.submit(uow, actor, body)


@api.get(SUBMISSION)
def submissions_get(submission_id: str, actor: Actor, uow: UnitOfWork) -> SubmissionDetail:
    """One submission with every version (its student, the course's managers)."""
    return reading.get_submission(uow, actor, submission_id)


@api.get("submissions/assignment/{assignment_id:guid}")
def submissions_list(
    assignment_id: str, query: SubmissionsQuery, actor: Actor, uow: UnitOfWork
) -> SubmissionList:
    """The assignment's submissions, longest waiting first (the course's managers)."""
    return reading.list_for_assignment(uow, actor, assignment_id, query)


@api.get("submissions/enrollment/{enrollment_id:guid}")
def submissions_by_enrollment(
    enrollment_id: str, query: SubmissionsQuery, actor: Actor, uow: UnitOfWork
) -> SubmissionList:
    """The enrollment's submissions, latest first (its student, the course's managers)."""
    return reading.list_for_enrollment(uow, actor, enrollment_id, query)


@api.put(SUBMISSION)
def submissions_update(
    submission_id: str, body: SubmissionReview, actor: Actor, uow: UnitOfWork
) -> SubmissionDetail:
    """Grade, return for rework (status returned) or change feedback (the course's managers)."""
    return reviewing.review_submission(uow, actor, submission_id, body)


@api.post(SUBMISSION + "/grade")
def submissions_grade(
    submission_id: str, body: GradeIn, actor: Actor, uow: UnitOfWork
) -> SubmissionDetail:
    """Grade a submission on the assignment's scale and mail the student."""
    return reviewing.grade_submission(uow, actor, submission_id, body)
