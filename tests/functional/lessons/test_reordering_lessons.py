"""Ordering lessons: PUT /courses/{course_id}/lessons/order (course managers), a route the
reference lacked. The body lists every lesson of the course once; they take positions 1..n
in that order."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.lessons.calls import (
    OwnedCourse,
    list_lessons,
    owned_course,
    reorder_lessons,
)
from tests.learning import lessons_of, make_lesson

pytestmark = pytest.mark.usefixtures("database_url")


def stored_order(owned: OwnedCourse) -> list[tuple[uuid.UUID, int]]:
    return [(lesson.id, lesson.order_index) for lesson in lessons_of(owned.course)]


@pytest.mark.parametrize("permutation", [[3, 2, 1, 0], [1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1]])
def test_the_lessons_take_positions_one_to_n_in_the_order_given(permutation: list[int]) -> None:
    owned = owned_course(lessons=4)
    lessons = lessons_of(owned.course)
    wanted = [lessons[i].id for i in permutation]

    response = reorder_lessons(owned.course.id, wanted, owned.token)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["total"] == 4
    assert [(item["id"], item["order_index"]) for item in body["items"]] == [
        (str(lesson_id), position) for position, lesson_id in enumerate(wanted, start=1)
    ]
    assert stored_order(owned) == [(lesson_id, n) for n, lesson_id in enumerate(wanted, start=1)]
    listed = json_of(list_lessons(owned.course.id, owned.token))["items"]
    assert [item["id"] for item in listed] == [str(lesson_id) for lesson_id in wanted]


def test_gaps_between_positions_close() -> None:
    owned = owned_course()
    lessons = [make_lesson(owned.course, order_index=n) for n in (4, 9, 2)]

    reorder_lessons(owned.course.id, [lesson.id for lesson in lessons], owned.token)

    assert stored_order(owned) == [(lessons[0].id, 1), (lessons[1].id, 2), (lessons[2].id, 3)]


def test_lessons_already_in_place_are_left_as_they_are() -> None:
    owned = owned_course(lessons=3)
    before = lessons_of(owned.course)

    response = reorder_lessons(owned.course.id, [lesson.id for lesson in before], owned.token)

    assert response.status_code == 200
    after = lessons_of(owned.course)
    assert [lesson.updated_at for lesson in after] == [lesson.updated_at for lesson in before]


def test_a_lesson_left_out_is_named_and_nothing_moves() -> None:
    owned = owned_course(lessons=3)
    first, second, third = lessons_of(owned.course)

    response = reorder_lessons(owned.course.id, [third.id, first.id], owned.token)

    assert response.status_code == 400
    detail = json_of(response)["detail"]
    assert detail.startswith("lesson_ids must list every lesson of the course exactly once")
    assert f"missing {second.id}" in detail
    assert stored_order(owned) == [(first.id, 1), (second.id, 2), (third.id, 3)]


def test_a_lesson_of_another_course_is_named_and_nothing_moves() -> None:
    owned = owned_course(lessons=2)
    first, second = lessons_of(owned.course)
    stranger = make_lesson(owned_course().course)

    response = reorder_lessons(owned.course.id, [second.id, first.id, stranger.id], owned.token)

    assert response.status_code == 400
    assert f"not lessons of this course {stranger.id}" in json_of(response)["detail"]
    assert stored_order(owned) == [(first.id, 1), (second.id, 2)]


@pytest.mark.parametrize("repeat", [True, False])
def test_a_list_with_repeats_or_nothing_in_it_is_422(repeat: bool) -> None:
    owned = owned_course(lessons=2)
    first, second = lessons_of(owned.course)
    ids = [first.id, second.id, first.id] if repeat else []
    assert reorder_lessons(owned.course.id, ids, owned.token).status_code == 422


def test_an_admin_may_order_any_courses_lessons() -> None:
    owned = owned_course(lessons=2, published=False)
    first, second = lessons_of(owned.course)
    admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]

    response = reorder_lessons(owned.course.id, [second.id, first.id], admin_token)

    assert response.status_code == 200
    assert stored_order(owned) == [(second.id, 1), (first.id, 2)]


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT])
def test_someone_who_does_not_manage_the_course_cannot_order_its_lessons(role: Role) -> None:
    owned = owned_course(lessons=2)
    first, second = lessons_of(owned.course)

    response = reorder_lessons(owned.course.id, [second.id, first.id], make_user(role=role)[1])

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert stored_order(owned) == [(first.id, 1), (second.id, 2)]


def test_ordering_the_lessons_of_an_unknown_course_is_404() -> None:
    response = reorder_lessons(uuid.uuid4(), [uuid.uuid4()], make_user(role=Role.ADMIN)[1])
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"
