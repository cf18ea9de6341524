"""POST /quizzes/{id}/attempts and GET /quizzes/{id}/attempts/start: who may start, how
many attempts, one in progress at a time (even when two starts race), and the order an
attempt keeps."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, MutableSequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shared.bootstrap import Dependencies
from shared.domain.courses import Course
from shared.domain.quizzes import QuizAttempt
from shared.domain.users import Role
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.function_calls import functions_by_name
from tests.functional.quizzes.scenario import (
    MC,
    SHORT,
    TF,
    detail,
    ok,
    quiz_action,
    quiz_setup,
    start,
    start_view,
    submit,
    update_quiz,
)
from tests.learning import load
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _attempts(quiz_id: str) -> list[QuizAttempt]:
    with unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.quiz_id == uuid.UUID(quiz_id))
                .order_by(QuizAttempt.attempt_number)
            )
        )
        uow.session.expunge_all()
        return rows


def test_a_student_enrolled_in_the_course_starts_an_attempt() -> None:
    setup = quiz_setup((MC, TF), time_limit_minutes=30)

    body = ok(start(setup.quiz_id, setup.student_token), 201)

    assert body["quiz_id"] == setup.quiz_id
    assert body["attempt_number"] == 1
    assert body["status"] == "in_progress"
    assert body["max_score"] == "3.00"
    started = datetime.fromisoformat(body["started_at"])
    assert (datetime.fromisoformat(body["deadline_at"]) - started).total_seconds() == 30 * 60
    [stored] = _attempts(setup.quiz_id)
    assert stored.id == uuid.UUID(body["id"])
    assert stored.enrollment_id == setup.enrollment.id  # type: ignore[union-attr]
    assert stored.student_id == setup.student.id  # type: ignore[union-attr]


def test_only_students_start_attempts() -> None:
    setup = quiz_setup()
    admin = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    for token in (setup.owner_token, admin):
        response = start(setup.quiz_id, token)
        assert response.status_code == 403
        assert detail(response) == "Only students can start quiz attempts"


def test_a_missing_quiz_is_not_found() -> None:
    _, token = make_user(role=Role.STUDENT)
    response = start(uuid.uuid4(), token)
    assert response.status_code == 404
    assert detail(response) == "Quiz not found"


def test_a_student_needs_an_active_or_completed_enrollment() -> None:
    setup = quiz_setup(enroll=False)
    outsider = make_user(role=Role.STUDENT)[1]
    dropped = setup.another_student("dropped")[1]
    graduated = setup.another_student("completed")[1]

    refused = start(setup.quiz_id, outsider)
    assert (refused.status_code, detail(refused)) == (
        403,
        "You must enroll in course before attempting quiz",
    )
    refused = start(setup.quiz_id, dropped)
    assert (refused.status_code, detail(refused)) == (
        403,
        "Enrollment status does not allow quiz attempts",
    )
    assert start(setup.quiz_id, graduated).status_code == 201


def test_an_unpublished_quiz_or_a_draft_course_takes_no_attempts() -> None:
    draft_quiz = quiz_setup(publish=False)
    response = start(draft_quiz.quiz_id, draft_quiz.student_token)
    assert (response.status_code, detail(response)) == (403, "Quiz is not published")

    setup = quiz_setup()
    with unit_of_work() as uow:
        course = uow.session.get(Course, setup.course.id)
        assert course is not None
        course.is_published = False
        uow.commit()
    response = start(setup.quiz_id, setup.student_token)
    assert (response.status_code, detail(response)) == (403, "Quiz is not published")

    unpublished = quiz_setup()
    ok(
        update_quiz(
            unpublished.course.id,
            unpublished.quiz_id,
            {"is_published": False},
            unpublished.owner_token,
        )
    )
    assert start(unpublished.quiz_id, unpublished.student_token).status_code == 403


def test_an_archived_quiz_takes_no_new_attempts() -> None:
    setup = quiz_setup()
    ok(quiz_action("archive", setup.course.id, setup.quiz_id, setup.owner_token))
    response = start(setup.quiz_id, setup.student_token)
    assert (response.status_code, detail(response)) == (
        403,
        "This quiz is archived and takes no new attempts",
    )


def test_a_second_start_while_one_is_in_progress_is_refused_and_the_view_names_it() -> None:
    setup = quiz_setup()
    first = ok(start(setup.quiz_id, setup.student_token), 201)

    again = start(setup.quiz_id, setup.student_token)

    assert (again.status_code, detail(again)) == (403, "You already have an in-progress attempt")
    assert ok(start_view(setup.quiz_id, setup.student_token))["attempt"]["id"] == first["id"]
    assert len(_attempts(setup.quiz_id)) == 1


def test_after_a_submission_the_next_attempt_gets_the_next_number() -> None:
    setup = quiz_setup()
    first = ok(start(setup.quiz_id, setup.student_token), 201)
    ok(submit(setup.quiz_id, first["id"], [], setup.student_token))

    second = ok(start(setup.quiz_id, setup.student_token), 201)

    assert second["attempt_number"] == 2


def test_max_attempts_counts_every_attempt_including_expired_ones(clock: ManualClock) -> None:
    setup = quiz_setup(max_attempts=2, time_limit_minutes=10)
    first = ok(start(setup.quiz_id, setup.student_token), 201)
    clock.advance(minutes=11)  # the first attempt runs out, unsubmitted
    second = ok(start(setup.quiz_id, setup.student_token), 201)
    ok(submit(setup.quiz_id, second["id"], [], setup.student_token))

    refused = start(setup.quiz_id, setup.student_token)

    assert (refused.status_code, detail(refused)) == (403, "Maximum attempts reached")
    assert [a.status for a in _attempts(setup.quiz_id)] == ["expired", "graded"]
    assert _attempts(setup.quiz_id)[0].id == uuid.UUID(first["id"])


def test_a_start_past_the_deadline_of_the_open_attempt_expires_it_first(clock: ManualClock) -> None:
    setup = quiz_setup(time_limit_minutes=5)
    first = ok(start(setup.quiz_id, setup.student_token), 201)
    clock.advance(minutes=5, seconds=1)

    second = ok(start(setup.quiz_id, setup.student_token), 201)

    expired = load(QuizAttempt, uuid.UUID(first["id"]))
    assert expired.status == "expired"
    assert (expired.score, expired.percentage, expired.is_passed) == (0.0, 0.0, False)
    assert expired.time_taken_seconds == 5 * 60
    assert second["attempt_number"] == 2


def test_the_expiry_before_a_refused_start_is_kept(clock: ManualClock) -> None:
    setup = quiz_setup(time_limit_minutes=5, max_attempts=1)
    first = ok(start(setup.quiz_id, setup.student_token), 201)
    clock.advance(minutes=6)

    refused = start(setup.quiz_id, setup.student_token)

    assert (refused.status_code, detail(refused)) == (403, "Maximum attempts reached")
    assert load(QuizAttempt, uuid.UUID(first["id"])).status == "expired"


@pytest.mark.postgres
def test_two_starts_at_the_same_moment_create_one_attempt() -> None:
    setup = quiz_setup()
    functions_by_name()  # built once, before the threads
    barrier = threading.Barrier(2)
    responses: list[Any] = []
    errors: list[BaseException] = []

    def start_now() -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(start(setup.quiz_id, setup.student_token))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=start_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert sorted(r.status_code for r in responses) == [201, 403], [r.get_body() for r in responses]
    loser = next(r for r in responses if r.status_code == 403)
    assert detail(loser) == "You already have an in-progress attempt"
    assert [a.status for a in _attempts(setup.quiz_id)] == ["in_progress"]


def test_the_database_itself_refuses_a_second_in_progress_attempt() -> None:
    setup = quiz_setup()
    now = datetime.now(UTC)

    def attempt(number: int, status: str) -> QuizAttempt:
        return QuizAttempt(
            id=uuid.uuid4(),
            quiz_id=uuid.UUID(setup.quiz_id),
            enrollment_id=setup.enrollment.id,  # type: ignore[union-attr]
            student_id=setup.student.id,  # type: ignore[union-attr]
            attempt_number=number,
            status=status,
            started_at=now,
            max_score=3,
        )

    with unit_of_work() as uow:
        uow.session.add_all(
            [attempt(1, "graded"), attempt(2, "expired"), attempt(3, "in_progress")]
        )
        uow.commit()
    with unit_of_work() as uow, pytest.raises(IntegrityError):
        uow.session.add(attempt(4, "in_progress"))
        uow.commit()
    with unit_of_work() as uow:
        count = uow.session.scalar(select(func.count()).select_from(QuizAttempt))
    assert count == 3


# --- the order an attempt shows -------------------------------------------------------------


class Reverse(random.Random):
    """A shuffle the test can predict: everything backwards."""

    def shuffle(self, x: MutableSequence[Any]) -> None:
        x.reverse()


def test_a_shuffled_attempt_shows_the_same_order_on_every_reload(
    install_dependencies: Callable[..., Dependencies],
) -> None:
    install_dependencies(shuffler=Reverse())
    setup = quiz_setup((MC, TF, SHORT), shuffle_questions=True, shuffle_options=True)
    canonical = [setup.question(i) for i in range(3)]
    attempt = ok(start(setup.quiz_id, setup.student_token), 201)

    views = [ok(start_view(setup.quiz_id, setup.student_token)) for _ in range(3)]

    assert views[0] == views[1] == views[2]
    assert views[0]["attempt"]["id"] == attempt["id"]
    assert [q["id"] for q in views[0]["questions"]] == canonical[::-1]
    choice = next(q for q in views[0]["questions"] if q["question_type"] == "multiple_choice")
    assert [o["option_id"] for o in choice["options"]] == ["c", "b", "a"]
    stored = load(QuizAttempt, uuid.UUID(attempt["id"]))
    assert stored.question_order == canonical[::-1]
    assert stored.option_order == {setup.question(0): ["c", "b", "a"]}


def test_each_attempt_keeps_its_own_random_order() -> None:
    questions = [{**SHORT, "question_text": f"Question number {n}"} for n in range(8)]
    setup = quiz_setup(questions, shuffle_questions=True)
    first = ok(start(setup.quiz_id, setup.student_token), 201)
    order = [q["id"] for q in ok(start_view(setup.quiz_id, setup.student_token))["questions"]]

    assert sorted(order) == sorted(setup.question(i) for i in range(8))
    assert load(QuizAttempt, uuid.UUID(first["id"])).question_order == order
    assert [q["id"] for q in ok(start_view(setup.quiz_id, setup.student_token))["questions"]] == (
        order
    )


def test_without_shuffling_or_an_open_attempt_the_view_shows_the_canonical_order(
    install_dependencies: Callable[..., Dependencies],
) -> None:
    install_dependencies(shuffler=Reverse())
    setup = quiz_setup((MC, TF, SHORT), shuffle_questions=True, shuffle_options=True)
    canonical = [setup.question(i) for i in range(3)]

    before = ok(start_view(setup.quiz_id, setup.student_token))
    assert before["attempt"] is None
    assert [q["id"] for q in before["questions"]] == canonical

    plain = quiz_setup((MC, TF, SHORT))
    attempt = ok(start(plain.quiz_id, plain.student_token), 201)
    view = ok(start_view(plain.quiz_id, plain.student_token))
    assert [q["id"] for q in view["questions"]] == [plain.question(i) for i in range(3)]
    assert load(QuizAttempt, uuid.UUID(attempt["id"])).question_order is None


def test_the_start_view_never_shows_answers() -> None:
    setup = quiz_setup((MC, TF))
    view = ok(start_view(setup.quiz_id, setup.student_token))

    assert view["quiz"] == {
        "id": setup.quiz_id,
        "title": "Checkpoint quiz",
        "time_limit_minutes": None,
        "total_questions": 2,
        "total_points": "3.00",
    }
    text = str(view)
    for secret in ("is_correct", "correct_answer", "explanation", "accepted_answers"):
        assert secret not in text


def test_the_start_view_is_for_enrolled_students_and_the_courses_managers() -> None:
    setup = quiz_setup(publish=False)
    admin = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    other_instructor = make_user(role=Role.INSTRUCTOR)[1]
    outsider = make_user(role=Role.STUDENT)[1]

    # Managers preview an unpublished quiz of their course.
    assert len(ok(start_view(setup.quiz_id, setup.owner_token))["questions"]) == 2
    assert ok(start_view(setup.quiz_id, admin))["attempt"] is None
    # The reference served any quiz to any non-student.
    refused = start_view(setup.quiz_id, other_instructor)
    assert (refused.status_code, detail(refused)) == (403, "Not authorized to access this quiz")
    assert start_view(setup.quiz_id, setup.student_token).status_code == 403

    ok(quiz_action("publish", setup.course.id, setup.quiz_id, setup.owner_token))
    refused = start_view(setup.quiz_id, outsider)
    assert (refused.status_code, detail(refused)) == (
        403,
        "You must enroll in course before attempting quiz",
    )
    assert start_view(setup.quiz_id, setup.student_token).status_code == 200
