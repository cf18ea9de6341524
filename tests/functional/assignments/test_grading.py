"""Grading: on the assignment's scale, late penalties, feedback, returns for rework, the
student mailed, and a graded assignment that completes its lesson like a passed quiz (so the
enrollment completes and the certificate follows)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from shared.domain.enrollments import Certificate, Enrollment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.functional.assignments.calls import (
    Classroom,
    classroom,
    create,
    deliver,
    delivered_mail,
    due_in,
    grade,
    ok,
    refused,
    review,
    text_of,
)
from tests.functional.enrollments.calls import complete
from tests.functional.quizzes.scenario import messages
from tests.learning import load
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


@pytest.mark.parametrize("value", [-1, 50.01, 1000])
def test_a_grade_outside_zero_to_max_points_is_refused(value: float) -> None:
    room = classroom(max_points=50)
    submission = ok(room.submit(), 201)

    assert refused(grade(submission["id"], {"grade": value}, room.owner_token), 400) == (
        "Grade must be between 0 and 50"
    )


def test_the_grades_scale_is_the_assignments_not_the_clients() -> None:
    room = classroom(max_points=50)
    submission = ok(room.submit(), 201)

    mismatch = grade(submission["id"], {"grade": 8, "max_grade": 10}, room.owner_token)
    assert "max_grade must be the assignment's max_points (50)" in refused(mismatch, 400)
    body = ok(grade(submission["id"], {"grade": 40, "max_grade": 50}, room.owner_token))
    assert (body["grade"], body["max_grade"], body["status"]) == (40.0, 50.0, "graded")
    assert body["graded_at"] is not None


def test_the_student_is_mailed_their_grade_and_feedback() -> None:
    room = classroom(max_points=50)
    submission = ok(room.submit(), 201)

    ok(grade(submission["id"], {"grade": 42.5, "feedback": "Clear argument."}, room.owner_token))

    [mail] = delivered_mail(room.student.email)
    assert mail["Subject"] == "Your work on Write an essay is graded"
    text = text_of(mail)
    assert "42.50 out of 50.00" in text and "Clear argument." in text
    assert f"/assignments/{room.assignment_id}" in text


def test_a_late_submission_loses_the_penalty_per_day_late(clock: ManualClock) -> None:
    room = classroom(
        max_points=100,
        due_date=due_in(clock.now, hours=1),
        late_policy="penalty",
        late_penalty_percent=10,
    )
    clock.advance(days=2)  # 47 hours late: two started days
    submission = ok(room.submit(), 201)

    body = ok(grade(submission["id"], {"grade": 90}, room.owner_token))

    assert (body["days_late"], body["late_penalty_percent"]) == (2, 20.0)
    assert (body["grade_before_penalty"], body["grade"]) == (90.0, 72.0)
    [mail] = delivered_mail(room.student.email)
    assert "72.00 out of 100.00" in text_of(mail) and "20.00 %" in text_of(mail)


def test_a_penalty_never_takes_more_than_everything(clock: ManualClock) -> None:
    room = classroom(
        due_date=due_in(clock.now, hours=1), late_policy="penalty", late_penalty_percent=40
    )
    clock.advance(days=4)
    submission = ok(room.submit(), 201)

    body = ok(grade(submission["id"], {"grade": 50}, room.owner_token))

    assert (body["late_penalty_percent"], body["grade"]) == (100.0, 0.0)


def test_returned_work_is_reworked_then_graded_and_the_student_hears_of_both() -> None:
    room = classroom()
    submission = ok(room.submit(content="Thin"), 201)

    returned = ok(
        review(
            submission["id"], {"status": "returned", "feedback": "Add sources"}, room.owner_token
        )
    )
    assert (returned["status"], returned["feedback"]) == ("returned", "Add sources")
    assert returned["returned_at"] is not None
    assert refused(grade(submission["id"], {"grade": 10}, room.owner_token), 409)
    ok(room.submit(content="With sources"), 201)
    graded = ok(grade(submission["id"], {"grade": 45}, room.owner_token))

    assert (graded["status"], graded["version"], graded["content"]) == ("graded", 2, "With sources")
    subjects = sorted(m["Subject"] for m in delivered_mail(room.student.email))
    assert subjects == [
        "Your work on Write an essay is graded",
        "Your work on Write an essay was returned for rework",
    ]
    assert refused(review(submission["id"], {"status": "returned"}, room.owner_token), 409) == (
        "This submission is graded; it can no longer be returned"
    )


def test_put_grades_corrects_a_grade_and_changes_feedback_alone() -> None:
    room = classroom()
    submission = ok(room.submit(), 201)

    first = ok(review(submission["id"], {"status": "graded", "grade": 30}, room.owner_token))
    corrected = ok(review(submission["id"], {"grade": 35}, room.owner_token))
    noted = ok(review(submission["id"], {"feedback": "Well done"}, room.owner_token))

    assert (first["grade"], corrected["grade"], noted["grade"]) == (30.0, 35.0, 35.0)
    assert (noted["feedback"], noted["status"]) == ("Well done", "graded")
    other = classroom()
    bare = ok(other.submit(), 201)
    assert refused(review(bare["id"], {"status": "graded"}, other.owner_token), 400) == (
        "Send a grade to grade this submission"
    )


def test_only_the_courses_managers_grade() -> None:
    room = classroom()
    submission = ok(room.submit(), 201)
    _, other = make_user(role=Role.INSTRUCTOR)
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)

    for token in (other, room.student_token):
        assert refused(grade(submission["id"], {"grade": 1}, token), 403) == (
            "You don't have permission to grade this submission"
        )
        assert refused(review(submission["id"], {"grade": 1}, token), 403)
    assert ok(grade(submission["id"], {"grade": 1}, admin))["grade"] == 1.0
    assert refused(grade(uuid.uuid4(), {"grade": 1}, admin), 404) == "Submission not found"


def test_a_graded_assignment_completes_its_lesson_the_enrollment_and_earns_the_certificate() -> (
    None
):
    room = classroom(lessons=2)
    first, last = room.lessons
    ok(complete(room.student_token, room.enrollment.id, first.id))
    lab = classroom_assignment_on(room, last.id)
    # The lesson is completed by the grade, not by a click.
    assert "completed when the assignment is graded" in refused(
        complete(room.student_token, room.enrollment.id, last.id), 400
    )
    submission = ok(room.submit(assignment_id=lab, content="Lab report"), 201)

    ok(grade(submission["id"], {"grade": 10}, room.owner_token))

    stored = load(Enrollment, room.enrollment.id)
    assert (stored.status, stored.completed_lessons_count, stored.progress_percentage) == (
        "completed",
        2,
        100.0,
    )
    assert [m["enrollment_id"] for m in messages("progress", "enrollment.completed")] == [
        str(room.enrollment.id)
    ]
    deliver("progress")
    deliver("certificates")
    with unit_of_work() as uow:
        certified = uow.session.scalars(select(Certificate.enrollment_id)).all()
    assert certified == [room.enrollment.id]
    subjects = {m["Subject"] for m in delivered_mail(room.student.email)}
    assert f"You completed {room.course.title}" in subjects
    assert f"Your certificate for {room.course.title}" in subjects


def test_a_regrade_completes_the_lesson_once() -> None:
    room = classroom(lessons=2)
    lab = classroom_assignment_on(room, room.lessons[0].id)
    submission = ok(room.submit(assignment_id=lab), 201)

    ok(grade(submission["id"], {"grade": 5}, room.owner_token))
    ok(grade(submission["id"], {"grade": 8}, room.owner_token))

    assert load(Enrollment, room.enrollment.id).completed_lessons_count == 1


def classroom_assignment_on(room: Classroom, lesson_id: uuid.UUID) -> str:
    """A published assignment of the room's course attached to `lesson_id`."""
    body = {
        "course_id": str(room.course.id),
        "lesson_id": str(lesson_id),
        "title": "Lab",
        "max_points": 10,
        "status": "published",
    }
    return str(ok(create(body, room.owner_token), 201)["id"])
