"""The course's managers grade submissions, give feedback and return work for rework.

- A grade is on the assignment's scale: 0 <= grade <= max_points (400 otherwise), and a
  `max_grade` sent must be max_points (the reference took the client's scale).
- A late submission of an assignment with late_policy penalty loses late_penalty_percent per
  day late (at most everything): grade = given * (1 - percent * days / 100), two places;
  grade_before_penalty keeps what was given.
- Grading sets status graded (a graded submission may be graded again, to correct it) and
  mails the student. When the assignment is attached to a lesson, the grade completes that
  lesson through the progress rules, in the same transaction, like a passed quiz: the
  enrollment may complete with it, and the certificate follows.
- Returning (status returned) sends submitted work back for rework and mails the student;
  graded work is final and a returned one waits for the student.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.domain.assignments import (
    AWAITING_GRADING,
    Assignment,
    LatePolicy,
    Submission,
    SubmissionStatus,
)
from shared.domain.courses import Course
from shared.domain.errors import ResourceConflictError, RuleViolationError
from shared.domain.rounding import as_decimal, two_places
from shared.domain.users import User
from shared.messages.emails import AssignmentGradedEmail, AssignmentReturnedEmail
from shared.schemas.assignments import GradeIn, SubmissionDetail, SubmissionReview
from shared.security.permissions import Actor
from shared.services import progress
from shared.services.assignments.access import submission_in_context
from shared.services.assignments.views import submission_detail
from shared.services.course_access import require_manager
from shared.uow import UnitOfWork

NOT_GRADER = "You don't have permission to grade this submission"
AWAITS_REWORK = "This submission was returned for rework; grade it once the student resubmits"
FINAL = "This submission is graded; it can no longer be returned"
GRADE_NEEDED = "Send a grade to grade this submission"


def grade_submission(
    uow: UnitOfWork, actor: Actor, submission_id: str | uuid.UUID, data: GradeIn
) -> SubmissionDetail:
    submission, assignment, course = _reviewed(uow, actor, submission_id)
    _grade(uow, actor, submission, assignment, course, data)
    uow.commit()
    return submission_detail(uow.session, submission)


def review_submission(
    uow: UnitOfWork, actor: Actor, submission_id: str | uuid.UUID, data: SubmissionReview
) -> SubmissionDetail:
    """PUT: return (status returned), grade (status graded or a grade), or change feedback."""
    submission, assignment, course = _reviewed(uow, actor, submission_id)
    if data.status == SubmissionStatus.RETURNED.value:
        if data.grade is not None:
            raise RuleViolationError("A returned submission has no grade; leave grade out")
        _return(uow, submission, assignment, course, data)
    elif data.status == SubmissionStatus.GRADED.value or data.grade is not None:
        grade = data.grade if data.grade is not None else submission.grade_before_penalty
        if grade is None:
            raise RuleViolationError(GRADE_NEEDED)
        keep_feedback = submission.feedback or ""
        grade_in = GradeIn(
            grade=grade,
            max_grade=data.max_grade,
            feedback=data.feedback if data.feedback is not None else keep_feedback,
            feedback_attachments=(
                data.feedback_attachments
                if data.feedback_attachments is not None
                else list(submission.feedback_attachments or [])
            ),
        )
        _grade(uow, actor, submission, assignment, course, grade_in)
    else:
        _feedback(uow, submission, data.feedback, data.feedback_attachments)
    uow.commit()
    return submission_detail(uow.session, submission)


def _reviewed(
    uow: UnitOfWork, actor: Actor, submission_id: str | uuid.UUID
) -> tuple[Submission, Assignment, Course]:
    submission, assignment, course = submission_in_context(uow.session, submission_id, lock=True)
    require_manager(actor, course, NOT_GRADER)
    return submission, assignment, course


def late_penalty(assignment: Assignment, submission: Submission) -> float | None:
    """The percentage a late submission loses under the assignment's policy, or None."""
    if (
        assignment.late_policy != LatePolicy.PENALTY.value
        or not submission.is_late
        or assignment.late_penalty_percent is None
    ):
        return None
    return min(100.0, two_places(assignment.late_penalty_percent * submission.days_late))


def _grade(
    uow: UnitOfWork,
    actor: Actor,
    submission: Submission,
    assignment: Assignment,
    course: Course,
    data: GradeIn,
) -> None:
    maximum = assignment.max_points
    if data.max_grade is not None and data.max_grade != maximum:
        raise RuleViolationError(
            f"max_grade must be the assignment's max_points ({maximum}): grades are on the "
            "assignment's scale; leave max_grade out"
        )
    if not 0 <= data.grade <= maximum:
        raise RuleViolationError(f"Grade must be between 0 and {maximum}")
    if submission.status == SubmissionStatus.RETURNED.value:
        raise ResourceConflictError(AWAITS_REWORK)
    now = uow.clock()
    given = two_places(data.grade)
    penalty = late_penalty(assignment, submission)
    final = given
    if penalty is not None:
        final = two_places(as_decimal(given) * (100 - as_decimal(penalty)) / 100)
    submission.status = SubmissionStatus.GRADED.value
    submission.grade_before_penalty = given
    submission.grade = final
    submission.late_penalty_percent = penalty
    submission.max_grade = float(maximum)
    submission.feedback = data.feedback
    submission.feedback_attachments = list(data.feedback_attachments)
    submission.graded_at = now
    submission.graded_by = actor.id
    submission.updated_at = now
    email, full_name = _student(uow, submission)
    uow.publish(
        AssignmentGradedEmail(
            to=email,
            full_name=full_name,
            assignment_id=assignment.id,
            assignment_title=assignment.title,
            course_title=course.title,
            grade=f"{final:.2f}",
            max_grade=f"{maximum:.2f}",
            late_penalty_percent=None if penalty is None else f"{penalty:.2f}",
            feedback=data.feedback,
        )
    )
    if assignment.lesson_id is not None:
        progress.record_lesson_completion(
            uow, submission.enrollment_id, assignment.lesson_id, actor=actor
        )


def _return(
    uow: UnitOfWork,
    submission: Submission,
    assignment: Assignment,
    course: Course,
    data: SubmissionReview,
) -> None:
    if submission.status == SubmissionStatus.GRADED.value:
        raise ResourceConflictError(FINAL)
    if submission.status not in AWAITING_GRADING:
        return  # already returned: nothing changes, nothing is sent twice
    now = uow.clock()
    submission.status = SubmissionStatus.RETURNED.value
    submission.returned_at = now
    _feedback(uow, submission, data.feedback, data.feedback_attachments)
    email, full_name = _student(uow, submission)
    uow.publish(
        AssignmentReturnedEmail(
            to=email,
            full_name=full_name,
            assignment_id=assignment.id,
            assignment_title=assignment.title,
            course_title=course.title,
            feedback=submission.feedback or "",
        )
    )


def _feedback(
    uow: UnitOfWork,
    submission: Submission,
    feedback: str | None,
    attachments: list[str] | None,
) -> None:
    if feedback is not None:
        submission.feedback = feedback
    if attachments is not None:
        submission.feedback_attachments = list(attachments)
    submission.updated_at = uow.clock()


def _student(uow: UnitOfWork, submission: Submission) -> tuple[str, str]:
    email, full_name = uow.session.execute(
        select(User.email, User.full_name).where(User.id == submission.student_id)
    ).one()
    return str(email), str(full_name)
