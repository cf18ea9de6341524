"""/courses/{id}/quizzes: list, read, create, change, publish, archive and delete quizzes,
and the course's total_quizzes kept right alongside."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from shared.domain.courses import Course, Lesson
from shared.domain.quizzes import Quiz, QuizQuestion
from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.clock import ManualClock
from tests.function_calls import call_http
from tests.functional.quizzes.scenario import (
    MC,
    TF,
    create_question,
    create_quiz,
    delete_quiz,
    detail,
    get_quiz,
    list_quizzes,
    ok,
    quiz_action,
    quiz_setup,
    start,
    update_quiz,
)
from tests.learning import lessons_of, load, make_course
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _owned(lessons: int = 3, published: bool = True) -> tuple[Course, str]:
    owner, token = make_user(role=Role.INSTRUCTOR)
    return make_course(owner, lessons=lessons, published=published), token


def _total_quizzes(course: Course) -> int:
    return int(load(Course, course.id).total_quizzes)


def _published_quiz(course: Course, token: str, lesson_index: int) -> str:
    lesson = lessons_of(course)[lesson_index]
    quiz = ok(create_quiz(course.id, {"lesson_id": str(lesson.id), "title": "A quiz"}, token), 201)
    ok(create_question(course.id, quiz["id"], TF, token), 201)
    ok(quiz_action("publish", course.id, quiz["id"], token))
    return str(quiz["id"])


def test_an_instructor_creates_an_unpublished_quiz_with_the_reference_defaults() -> None:
    course, token = _owned()
    lesson = lessons_of(course)[0]

    body = ok(
        create_quiz(course.id, {"lesson_id": str(lesson.id), "title": "  Unit 1 "}, token), 201
    )

    assert body["title"] == "Unit 1"
    assert (body["course_id"], body["lesson_id"]) == (str(course.id), str(lesson.id))
    assert body["quiz_type"] == "graded"
    assert body["passing_score"] == "70.00"  # a decimal string, as the reference sent it
    assert (body["time_limit_minutes"], body["max_attempts"]) == (None, None)
    assert (body["shuffle_questions"], body["shuffle_options"]) == (True, True)
    assert (body["show_correct_answers"], body["partial_credit"]) == (True, False)
    assert (body["is_published"], body["published_at"], body["archived_at"]) == (False, None, None)
    assert load(Quiz, uuid.UUID(body["id"])).course_id == course.id


def test_the_lesson_must_belong_to_the_course_and_have_no_quiz_yet() -> None:
    course, token = _owned()
    other, _ = _owned()
    lesson = lessons_of(course)[0]

    foreign = create_quiz(
        course.id, {"lesson_id": str(lessons_of(other)[0].id), "title": "Quiz"}, token
    )
    assert (foreign.status_code, detail(foreign)) == (404, "Lesson not found in this course")
    ok(create_quiz(course.id, {"lesson_id": str(lesson.id), "title": "First"}, token), 201)
    second = create_quiz(course.id, {"lesson_id": str(lesson.id), "title": "Second"}, token)
    assert (second.status_code, detail(second)) == (409, "Lesson already has a quiz")


def test_only_the_courses_managers_create_quizzes() -> None:
    course, _ = _owned()
    body = {"lesson_id": str(lessons_of(course)[0].id), "title": "Quiz"}
    for role in (Role.STUDENT, Role.INSTRUCTOR):
        refused = create_quiz(course.id, body, make_user(role=role)[1])
        assert refused.status_code == 403
    admin = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    ok(create_quiz(course.id, body, admin), 201)


def test_invalid_quiz_fields_are_refused() -> None:
    course, token = _owned()
    lesson_id = str(lessons_of(course)[0].id)
    for bad in (
        {"title": "ab"},
        {"passing_score": 100.5},
        {"time_limit_minutes": 0},
        {"max_attempts": 0},
        {"quiz_type": "exam"},
    ):
        response = create_quiz(course.id, {"lesson_id": lesson_id, "title": "Quiz", **bad}, token)
        assert response.status_code == 422, bad


def test_students_see_the_published_quizzes_newest_first_managers_see_all(
    clock: ManualClock,
) -> None:
    course, token = _owned()
    first = _published_quiz(course, token, 0)
    clock.advance(minutes=1)
    lesson = lessons_of(course)[1]
    draft = ok(create_quiz(course.id, {"lesson_id": str(lesson.id), "title": "Draft"}, token), 201)
    clock.advance(minutes=1)
    archived = _published_quiz(course, token, 2)
    ok(quiz_action("archive", course.id, archived, token))
    student = make_user(role=Role.STUDENT)[1]

    seen = ok(list_quizzes(course.id, student))
    managed = ok(list_quizzes(course.id, token))
    anonymous = ok(list_quizzes(course.id, None))

    assert seen == anonymous
    assert (seen["total"], [q["id"] for q in seen["quizzes"]]) == (1, [first])
    assert seen["quizzes"][0]["total_questions"] == 1
    assert seen["quizzes"][0]["total_points"] == "1.00"
    assert [q["id"] for q in managed["quizzes"]] == [archived, draft["id"], first]
    assert managed["quizzes"][1]["total_questions"] == 0


def test_a_draft_courses_quizzes_are_for_its_managers_only() -> None:
    course, token = _owned(published=False)
    ok(list_quizzes(course.id, token))
    refused = list_quizzes(course.id, make_user(role=Role.STUDENT)[1])
    assert (refused.status_code, detail(refused)) == (
        403,
        "Not authorized to view quizzes for this course",
    )


def test_an_unpublished_quiz_is_read_by_managers_only() -> None:
    setup = quiz_setup(publish=False)
    assert ok(get_quiz(setup.course.id, setup.quiz_id, setup.owner_token))["is_published"] is False
    for token in (setup.student_token, None):
        refused = get_quiz(setup.course.id, setup.quiz_id, token)
        assert (refused.status_code, detail(refused)) == (403, "Not authorized to access this quiz")
    ok(quiz_action("publish", setup.course.id, setup.quiz_id, setup.owner_token))
    assert ok(get_quiz(setup.course.id, setup.quiz_id, None))["is_published"] is True


def test_a_quiz_is_found_only_under_its_own_course() -> None:
    setup = quiz_setup()
    other, _ = _owned()
    wrong = get_quiz(other.id, setup.quiz_id, setup.owner_token)
    assert (wrong.status_code, detail(wrong)) == (404, "Quiz not found in this course")
    missing = get_quiz(setup.course.id, uuid.uuid4(), setup.owner_token)
    assert (missing.status_code, detail(missing)) == (404, "Quiz not found")


def test_patch_changes_what_was_sent_and_null_clears_a_nullable_field() -> None:
    setup = quiz_setup(time_limit_minutes=20, max_attempts=3, description="Before")

    body = ok(
        update_quiz(
            setup.course.id,
            setup.quiz_id,
            {"time_limit_minutes": None, "max_attempts": None, "description": None, "title": "New"},
            setup.owner_token,
        )
    )

    assert (body["time_limit_minutes"], body["max_attempts"], body["description"]) == (
        None,
        None,
        None,
    )
    assert body["title"] == "New"
    assert body["passing_score"] == "70.00"  # left out: kept
    refused = update_quiz(setup.course.id, setup.quiz_id, {"title": None}, setup.owner_token)
    assert (refused.status_code, detail(refused)) == (400, "title cannot be null")


def test_patch_is_published_cannot_bypass_the_publish_checks() -> None:
    setup = quiz_setup(questions=(), publish=False)

    refused = update_quiz(setup.course.id, setup.quiz_id, {"is_published": True}, setup.owner_token)

    assert (refused.status_code, detail(refused)) == (400, "Cannot publish quiz without questions")
    assert load(Quiz, uuid.UUID(setup.quiz_id)).is_published is False
    ok(create_question(setup.course.id, setup.quiz_id, MC, setup.owner_token), 201)
    published = ok(
        update_quiz(setup.course.id, setup.quiz_id, {"is_published": True}, setup.owner_token)
    )
    assert published["is_published"] is True and published["published_at"] is not None
    assert _total_quizzes(setup.course) == 1
    unpublished = ok(
        update_quiz(setup.course.id, setup.quiz_id, {"is_published": False}, setup.owner_token)
    )
    assert (unpublished["is_published"], unpublished["published_at"]) == (False, None)
    assert _total_quizzes(setup.course) == 0


def test_publish_checks_every_question_again() -> None:
    setup = quiz_setup((MC, TF), publish=False)
    with unit_of_work() as uow:  # a key broken behind the API's back (an old row, say)
        stored = uow.session.get(QuizQuestion, uuid.UUID(setup.question(1)))
        assert stored is not None
        stored.correct_answer = "perhaps"
        uow.commit()

    refused = quiz_action("publish", setup.course.id, setup.quiz_id, setup.owner_token)

    assert (refused.status_code, detail(refused)) == (
        400,
        "Question 2: A true_false question needs correct_answer true or false",
    )


def test_total_quizzes_counts_the_published_quizzes_that_are_not_archived() -> None:
    course, token = _owned()
    first = _published_quiz(course, token, 0)
    second = _published_quiz(course, token, 1)
    assert _total_quizzes(course) == 2

    ok(quiz_action("archive", course.id, first, token))
    assert _total_quizzes(course) == 1
    ok(quiz_action("archive", course.id, first, token))  # again: nothing changes
    assert _total_quizzes(course) == 1
    assert delete_quiz(course.id, second, token).status_code == 204
    assert _total_quizzes(course) == 0


def test_an_archived_quiz_is_hidden_from_students_and_cannot_be_published_again() -> None:
    setup = quiz_setup()
    archived = ok(quiz_action("archive", setup.course.id, setup.quiz_id, setup.owner_token))
    assert archived["archived_at"] is not None

    refused = get_quiz(setup.course.id, setup.quiz_id, setup.student_token)
    assert refused.status_code == 403
    again = quiz_action("publish", setup.course.id, setup.quiz_id, setup.owner_token)
    assert again.status_code == 409
    assert ok(get_quiz(setup.course.id, setup.quiz_id, setup.owner_token))["archived_at"]


def test_delete_removes_a_quiz_nobody_attempted_with_its_questions() -> None:
    setup = quiz_setup((MC, TF))

    response = delete_quiz(setup.course.id, setup.quiz_id, setup.owner_token)

    assert response.status_code == 204
    assert load(Quiz, uuid.UUID(setup.quiz_id)) is None
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(QuizQuestion)) == 0


def test_a_quiz_with_attempts_is_archived_not_deleted() -> None:
    setup = quiz_setup()
    ok(start(setup.quiz_id, setup.student_token), 201)

    refused = delete_quiz(setup.course.id, setup.quiz_id, setup.owner_token)

    assert (refused.status_code, detail(refused)) == (
        409,
        "This quiz has attempts; archive it instead",
    )
    assert load(Quiz, uuid.UUID(setup.quiz_id)) is not None


def test_only_managers_change_publish_archive_or_delete() -> None:
    setup = quiz_setup()
    student = setup.student_token
    other = make_user(role=Role.INSTRUCTOR)[1]
    for token in (student, other):
        assert (
            update_quiz(setup.course.id, setup.quiz_id, {"title": "Mine"}, token).status_code == 403
        )
        for action in ("publish", "archive"):
            assert quiz_action(action, setup.course.id, setup.quiz_id, token).status_code == 403
        assert delete_quiz(setup.course.id, setup.quiz_id, token).status_code == 403


def test_a_quiz_moves_to_another_free_lesson_of_its_course() -> None:
    course, token = _owned()
    lessons = lessons_of(course)
    quiz = ok(
        create_quiz(course.id, {"lesson_id": str(lessons[0].id), "title": "Moving"}, token), 201
    )
    ok(create_quiz(course.id, {"lesson_id": str(lessons[2].id), "title": "Staying"}, token), 201)

    moved = ok(update_quiz(course.id, quiz["id"], {"lesson_id": str(lessons[1].id)}, token))
    taken = update_quiz(course.id, quiz["id"], {"lesson_id": str(lessons[2].id)}, token)
    foreign = update_quiz(course.id, quiz["id"], {"lesson_id": str(uuid.uuid4())}, token)

    assert moved["lesson_id"] == str(lessons[1].id)
    assert (taken.status_code, detail(taken)) == (409, "Lesson already has a quiz")
    assert (foreign.status_code, detail(foreign)) == (404, "Lesson not found in this course")


def test_a_lesson_whose_quiz_has_attempts_cannot_be_deleted() -> None:
    setup = quiz_setup()
    ok(start(setup.quiz_id, setup.student_token), 201)

    response = call_http(
        "lessons_delete",
        "DELETE",
        f"/api/v1/lessons/{setup.lesson.id}",
        headers=bearer(setup.owner_token),
        route_params={"lesson_id": str(setup.lesson.id)},
    )

    assert response.status_code == 409
    assert "archive the quiz" in detail(response)
    assert load(Lesson, setup.lesson.id) is not None
    assert load(Course, setup.course.id).total_quizzes == 1


def test_deleting_a_lesson_with_an_unattempted_quiz_recounts_the_course_quizzes() -> None:
    setup = quiz_setup()
    assert load(Course, setup.course.id).total_quizzes == 1

    response = call_http(
        "lessons_delete",
        "DELETE",
        f"/api/v1/lessons/{setup.lesson.id}",
        headers=bearer(setup.owner_token),
        route_params={"lesson_id": str(setup.lesson.id)},
    )

    assert response.status_code == 204
    assert load(Course, setup.course.id).total_quizzes == 0
