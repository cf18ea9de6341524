"""Submitting work: the server's clock, due dates that hold (refuse, accept, penalty), versions
kept until graded up to max_submissions, and attachments that are the student's own files."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from shared.domain.assignments import Submission, SubmissionFile, SubmissionVersion
from shared.domain.users import Role
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.functional.assignments.calls import (
    classroom,
    due_in,
    get_submission,
    grade,
    ok,
    refused,
    review,
    submit,
    update,
    uploaded_pdf,
)
from tests.functional.files.file_calls import delete as delete_file
from tests.functional.files.file_calls import download
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def test_submitted_at_and_status_are_the_servers_whatever_the_client_sends(
    clock: ManualClock,
) -> None:
    room = classroom()

    body = ok(
        room.submit(
            content="My answer",
            submitted_at="2000-01-01T00:00:00Z",
            status="graded",
            enrollment_id=str(room.enrollment.id),
        ),
        201,
    )

    assert body["submitted_at"].startswith(clock.now.isoformat()[:19])
    assert (body["status"], body["version"], body["is_late"], body["days_late"]) == (
        "submitted",
        1,
        False,
        0,
    )
    assert (body["content"], body["submission_type"]) == ("My answer", "text")
    assert body["enrollment_id"] == str(room.enrollment.id)
    assert [v["number"] for v in body["versions"]] == [1]


def test_a_submission_on_the_due_date_is_on_time_and_one_after_it_is_refused(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, hours=1))
    _, late_token, _ = room.another_student()
    clock.advance(hours=1)  # exactly at the due date

    assert ok(room.submit(), 201)["is_late"] is False
    clock.advance(seconds=1)
    assert refused(room.submit(late_token), 403) == (
        "The due date has passed and this assignment does not accept late work; ask your instructor"
    )
    with unit_of_work() as uow:
        assert len(uow.session.scalars(select(Submission)).all()) == 1


def test_accepted_late_work_is_marked_late_with_each_started_day_counted(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, hours=1), late_policy="accept")
    clock.advance(days=1, hours=2)  # 1 day and 1 hour late: two started days

    body = ok(room.submit(), 201)

    assert (body["is_late"], body["days_late"]) == (True, 2)
    assert body["versions"][0]["is_late"] is True


def test_students_resubmit_until_graded_up_to_max_submissions_keeping_each_version(
    clock: ManualClock,
) -> None:
    room = classroom(max_submissions=2)
    first = ok(room.submit(content="Draft"), 201)
    clock.advance(minutes=5)

    second = ok(room.submit(link_url="https://example.org/essay"), 201)

    assert second["id"] == first["id"] and second["version"] == 2
    assert (second["link_url"], second["content"], second["submission_type"]) == (
        "https://example.org/essay",
        None,
        "link",
    )
    assert [(v["number"], v["content"]) for v in second["versions"]] == [(1, "Draft"), (2, None)]
    assert refused(room.submit(content="Third"), 409) == (
        "You have used all 2 submission(s) of this assignment"
    )
    stored = ok(get_submission(first["id"], room.owner_token))
    assert len(stored["versions"]) == 2


def test_one_submission_allowed_by_default_answers_the_references_words() -> None:
    room = classroom()
    ok(room.submit(), 201)

    assert refused(room.submit(), 409) == (
        "A submission already exists for this assignment and enrollment"
    )


def test_graded_work_takes_no_new_version() -> None:
    room = classroom(max_submissions=None)
    submission = ok(room.submit(), 201)
    ok(grade(submission["id"], {"grade": 40}, room.owner_token))

    assert refused(room.submit(), 409) == "This submission is graded; it can no longer change"


def test_returned_work_may_be_reworked_after_the_due_date_and_keeps_its_lateness(
    clock: ManualClock,
) -> None:
    room = classroom(due_date=due_in(clock.now, hours=1))
    submission = ok(room.submit(content="Thin"), 201)
    ok(review(submission["id"], {"status": "returned", "feedback": "More"}, room.owner_token))
    clock.advance(days=3)  # long past the due date, which refuses late work

    reworked = ok(room.submit(content="Thick"), 201)

    assert (reworked["status"], reworked["version"], reworked["is_late"]) == (
        "revised",
        2,
        False,
    )
    assert reworked["returned_at"] is not None


def test_attachments_are_the_students_own_files_and_the_instructor_may_read_them() -> None:
    room = classroom()
    mine = uploaded_pdf(room.student_token)
    _, other_token = make_user(role=Role.STUDENT)
    theirs = uploaded_pdf(other_token)

    assert refused(room.submit(file_ids=[theirs]), 404) == "File not found"
    assert refused(room.submit(file_ids=[str(uuid.uuid4())]), 404) == "File not found"
    body = ok(room.submit(file_ids=[mine], content="See the PDF"), 201)

    assert body["submission_type"] == "mixed"
    assert [f["id"] for f in body["files"]] == [mine]
    assert body["file_urls"] == [f"/api/v1/files/download/{mine}"]
    assert download(mine, room.owner_token).status_code == 200
    _, stranger = make_user(role=Role.INSTRUCTOR)
    assert download(mine, stranger).status_code == 403
    # The file stays while the submission does.
    assert refused(delete_file(mine, room.student_token), 409)
    with unit_of_work() as uow:
        assert uow.session.scalars(select(SubmissionFile.file_id)).all() == [uuid.UUID(mine)]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "content"),
        ({"content": "   "}, "content"),
        ({"link_url": "javascript:alert(1)"}, "link_url"),
        ({"file_urls": ["https://example.org/a.pdf"]}, "file_ids"),
        ({"content": "x", "submission_type": "essay"}, "submission_type"),
    ],
)
def test_work_that_says_nothing_or_points_nowhere_is_a_422(
    body: dict[str, object], field: str
) -> None:
    room = classroom()

    response = submit({"assignment_id": room.assignment_id, **body}, room.student_token)

    assert response.status_code == 422, response.get_body()
    assert field in response.get_body().decode()


def test_only_enrolled_students_submit_to_published_assignments() -> None:
    room = classroom()
    _, outsider = make_user(role=Role.STUDENT)
    draft = classroom(published=False)

    assert refused(room.submit(room.owner_token), 403) == "Only students can submit assignments"
    assert refused(room.submit(outsider), 403) == (
        "You must enroll in the course before submitting its assignments"
    )
    assert refused(draft.submit(), 403) == "Assignment is not published"
    ok(update(room.assignment_id, {"status": "archived"}, room.owner_token))
    assert refused(room.submit(), 403) == "This assignment is archived and takes no submissions"
    missing = submit({"assignment_id": str(uuid.uuid4()), "content": "x"}, room.student_token)
    assert refused(missing, 404) == "Assignment not found"


def test_a_named_enrollment_must_be_the_callers_and_in_the_assignments_course() -> None:
    room = classroom()
    elsewhere = classroom()
    _, _, someone_elses = room.another_student()

    foreign = room.submit(enrollment_id=str(someone_elses.id), content="x")
    assert refused(foreign, 404) == "Enrollment not found"
    wrong_course = submit(
        {
            "assignment_id": room.assignment_id,
            "enrollment_id": str(elsewhere.enrollment.id),
            "content": "x",
        },
        elsewhere.student_token,
    )
    assert refused(wrong_course, 400) == "Assignment not found or does not belong to the course"


def test_every_version_is_stored_with_its_own_time(clock: ManualClock) -> None:
    room = classroom(max_submissions=3)
    ok(room.submit(content="One"), 201)
    clock.advance(hours=1)
    ok(room.submit(content="Two"), 201)

    with unit_of_work() as uow:
        versions = uow.session.execute(
            select(SubmissionVersion.content, SubmissionVersion.submitted_at).order_by(
                SubmissionVersion.number
            )
        ).all()
        current = uow.session.execute(select(Submission.submitted_at, Submission.version)).one()
    assert [(content, at) for content, at in versions] == [
        ("One", clock.now - timedelta(hours=1)),
        ("Two", clock.now),
    ]
    assert tuple(current) == (clock.now, 2)
