"""Deleting lessons: DELETE /lessons/{lesson_id} (course managers).

Sub-lessons stay, without a parent; the lesson's progress rows go with it; the course's
figures follow, and the progress queue learns the lesson count changed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shared.domain.courses import Course, Lesson
from shared.domain.enrollments import Enrollment, LessonProgress
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.lessons.calls import delete_lesson, owned_course, progress_messages
from tests.learning import lessons_of, load, make_enrollment, make_lesson
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def progress_row(enrollment: Enrollment, lesson: Lesson) -> uuid.UUID:
    row = LessonProgress(
        id=uuid.uuid4(),
        enrollment_id=enrollment.id,
        lesson_id=lesson.id,
        status="completed",
        completion_percentage=100,
        updated_at=datetime.now(UTC),
    )
    with unit_of_work() as uow:
        uow.session.add(row)
        uow.commit()
    return row.id


def progress_rows_of(lesson: Lesson) -> int:
    with unit_of_work() as uow:
        return (
            uow.session.scalar(select(func.count()).where(LessonProgress.lesson_id == lesson.id))
            or 0
        )


def test_deleting_a_lesson_keeps_its_sub_lessons_without_a_parent() -> None:
    owned = owned_course()
    parent = make_lesson(owned.course)
    children = [make_lesson(owned.course, parent_lesson_id=parent.id) for _ in range(2)]

    response = delete_lesson(parent.id, owned.token)

    assert response.status_code == 204
    assert response.get_body() == b""
    assert load(Lesson, parent.id) is None
    for child in children:
        assert load(Lesson, child.id).parent_lesson_id is None


def test_deleting_a_lesson_deletes_its_progress_and_only_its_own() -> None:
    owned = owned_course()
    kept, deleted = make_lesson(owned.course), make_lesson(owned.course)
    enrollment = make_enrollment(make_user()[0], owned.course)
    progress_row(enrollment, kept)
    progress_row(enrollment, deleted)

    assert delete_lesson(deleted.id, owned.token).status_code == 204

    assert progress_rows_of(deleted) == 0
    assert progress_rows_of(kept) == 1
    assert load(Enrollment, enrollment.id) is not None


def test_the_course_figures_follow_and_the_progress_queue_hears_of_it() -> None:
    owned = owned_course(lessons=3)  # 10 minutes each
    doomed = lessons_of(owned.course)[1]

    delete_lesson(doomed.id, owned.token)

    course = load(Course, owned.course.id)
    assert (course.total_lessons, course.lessons_duration_minutes) == (2, 20)
    assert course.updated_at > owned.course.updated_at
    assert [lesson.order_index for lesson in lessons_of(owned.course)] == [1, 3]
    assert progress_messages() == [("course.lessons_changed", {"course_id": str(owned.course.id)})]


def test_an_admin_may_delete_any_lesson() -> None:
    lesson = make_lesson(owned_course(published=False).course)
    admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    assert delete_lesson(lesson.id, admin_token).status_code == 204
    assert load(Lesson, lesson.id) is None


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT])
def test_someone_who_does_not_manage_the_course_cannot_delete_its_lessons(role: Role) -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course)

    response = delete_lesson(lesson.id, make_user(role=role)[1])

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert load(Lesson, lesson.id) is not None
    assert progress_messages() == []


def test_deleting_an_unknown_lesson_is_404() -> None:
    response = delete_lesson(uuid.uuid4(), make_user(role=Role.ADMIN)[1])
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Lesson not found"
