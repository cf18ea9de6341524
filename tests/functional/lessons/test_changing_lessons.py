"""Changing lessons: PATCH /lessons/{lesson_id} (course managers).

The fields sent change; a null clears a field that may be empty, and is refused (400) for
title, slug, lesson_type, order_index and is_preview.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.courses import Course, Lesson
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.lessons.calls import (
    OwnedCourse,
    owned_course,
    progress_messages,
    update_lesson,
)
from tests.learning import lessons_of, load, make_lesson

pytestmark = pytest.mark.usefixtures("database_url")

VIDEO = "https://videos.example.org/1"


def changed(owned: OwnedCourse, lesson: Lesson, **body: Any) -> dict[str, Any]:
    response = update_lesson(lesson.id, body, owned.token)
    assert response.status_code == 200, response.get_body()
    result: dict[str, Any] = json_of(response)
    return result


def refused(owned: OwnedCourse, lesson: Lesson, status: int, detail: str, **body: Any) -> None:
    response = update_lesson(lesson.id, body, owned.token)
    assert response.status_code == status, response.get_body()
    assert json_of(response)["detail"] == detail
    assert load(Lesson, lesson.id).updated_at == lesson.updated_at


def test_the_fields_sent_change_and_the_others_stay() -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course, description="Old", metadata_={"a": 1})

    body = changed(owned, lesson, title="  A Better Title ", is_preview=True, metadata={"b": 2})

    assert (body["title"], body["is_preview"]) == ("A Better Title", True)
    assert (body["description"], body["slug"]) == ("Old", lesson.slug)  # the slug stays
    stored = load(Lesson, lesson.id)
    assert (stored.title, stored.is_preview, stored.metadata_) == ("A Better Title", True, {"b": 2})
    assert stored.updated_at > lesson.updated_at


@pytest.mark.parametrize("field", ["title", "slug", "lesson_type", "order_index", "is_preview"])
def test_a_field_that_cannot_be_empty_cannot_be_set_to_null(field: str) -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course)
    refused(owned, lesson, 400, f"'{field}' cannot be null", **{field: None})


def test_null_clears_the_fields_that_may_be_empty() -> None:
    owned = owned_course()
    parent = make_lesson(owned.course)
    lesson = make_lesson(
        owned.course,
        description="Words",
        parent_lesson_id=parent.id,
        metadata_={"a": 1},
        lesson_type="video",
        video_url=VIDEO,
    )
    cleared = dict.fromkeys(
        ["description", "content", "parent_lesson_id", "duration_minutes", "video_url", "metadata"]
    )

    body = changed(owned, lesson, **cleared)

    assert all(body[field] is None for field in cleared if field != "metadata")
    stored = load(Lesson, lesson.id)
    assert (stored.description, stored.content, stored.parent_lesson_id) == (None, None, None)
    assert (stored.duration_minutes, stored.video_url, stored.metadata_) == (None, None, None)


def test_an_empty_body_changes_nothing_but_the_update_time() -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course)
    body = changed(owned, lesson)
    assert (body["title"], body["content"], body["order_index"]) == (
        lesson.title,
        lesson.content,
        lesson.order_index,
    )


def test_a_lesson_that_stops_being_a_video_loses_its_link() -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course, lesson_type="video", video_url=VIDEO)

    body = changed(owned, lesson, lesson_type="text")

    assert (body["lesson_type"], body["video_url"]) == ("text", None)
    assert load(Lesson, lesson.id).video_url is None


def test_a_video_lesson_takes_a_new_link_as_video_link_trimmed() -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course, lesson_type="video", video_url=VIDEO)
    assert changed(owned, lesson, video_link=" http://v.example/2 ")["video_url"] == (
        "http://v.example/2"
    )


@pytest.mark.parametrize(
    "stored_type, body",
    [
        ("text", {"video_url": VIDEO}),
        ("video", {"lesson_type": "quiz", "video_url": VIDEO}),
    ],
)
def test_only_video_lessons_have_a_video_url(stored_type: str, body: dict[str, Any]) -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course, lesson_type=stored_type)
    refused(owned, lesson, 400, "video_url is only allowed for video lessons", **body)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/v", "v.example/1"])
def test_a_new_video_url_that_is_not_an_http_address_is_400_as_in_the_reference(url: str) -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course, lesson_type="video", video_url=VIDEO)
    refused(owned, lesson, 400, "video_url must be a valid http/https URL", video_url=url)
    assert load(Lesson, lesson.id).video_url == VIDEO


def test_a_text_lesson_becomes_a_video_with_its_link() -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course)
    body = changed(owned, lesson, lesson_type="video", video_url=VIDEO)
    assert (body["lesson_type"], body["video_url"]) == ("video", VIDEO)


def test_a_position_another_lesson_holds_is_a_conflict_and_a_free_one_is_taken() -> None:
    owned = owned_course(lessons=2)
    first, _ = lessons_of(owned.course)

    refused(owned, first, 409, "Lesson already exists or order index conflicts", order_index=2)
    assert changed(owned, first, order_index=1)["order_index"] == 1
    assert changed(owned, first, order_index=7)["order_index"] == 7


def test_a_slug_another_lesson_of_the_course_has_is_a_conflict() -> None:
    owned = owned_course()
    make_lesson(owned.course, slug="intro")
    lesson = make_lesson(owned.course, slug="basics")

    refused(
        owned, lesson, 409, "A lesson with this slug already exists in this course", slug="intro"
    )
    assert changed(owned, lesson, slug="basics")["slug"] == "basics"
    assert changed(owned, lesson, slug="the-basics")["slug"] == "the-basics"


def test_a_parent_that_would_close_a_cycle_is_refused() -> None:
    owned = owned_course()
    top = make_lesson(owned.course)
    middle = make_lesson(owned.course, parent_lesson_id=top.id)
    bottom = make_lesson(owned.course, parent_lesson_id=middle.id)

    refused(owned, top, 400, "Parent lesson creates a cycle", parent_lesson_id=str(bottom.id))
    refused(owned, top, 400, "Parent lesson creates a cycle", parent_lesson_id=str(middle.id))
    refused(owned, top, 400, "Parent lesson creates a cycle", parent_lesson_id=str(top.id))
    # Moving down the chain is not a cycle.
    assert changed(owned, bottom, parent_lesson_id=str(top.id))["parent_lesson_id"] == str(top.id)


def test_a_parent_must_exist_in_the_same_course() -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course)
    elsewhere = make_lesson(owned_course().course)

    refused(owned, lesson, 404, "Parent lesson not found", parent_lesson_id=str(uuid.uuid4()))
    refused(
        owned,
        lesson,
        400,
        "Parent lesson must belong to the same course",
        parent_lesson_id=str(elsewhere.id),
    )


def test_a_new_duration_changes_the_courses_minutes() -> None:
    owned = owned_course(lessons=3)  # 10 minutes each
    first, second, _ = lessons_of(owned.course)

    changed(owned, first, duration_minutes=25)
    changed(owned, second, duration_minutes=None)

    course = load(Course, owned.course.id)
    assert (course.total_lessons, course.lessons_duration_minutes) == (3, 35)
    assert course.updated_at > owned.course.updated_at
    assert progress_messages() == []  # the lesson count did not change


def test_an_admin_may_change_any_lesson() -> None:
    owned = owned_course(published=False)
    lesson = make_lesson(owned.course)
    admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    response = update_lesson(lesson.id, {"title": "Admin's title"}, admin_token)
    assert response.status_code == 200
    assert json_of(response)["title"] == "Admin's title"


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT])
def test_someone_who_does_not_manage_the_course_cannot_change_its_lessons(role: Role) -> None:
    owned = owned_course()
    lesson = make_lesson(owned.course)

    response = update_lesson(lesson.id, {"title": "Mine now"}, make_user(role=role)[1])

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert load(Lesson, lesson.id).title == lesson.title


def test_changing_an_unknown_lesson_is_404() -> None:
    response = update_lesson(uuid.uuid4(), {"title": "Nothing"}, make_user(role=Role.ADMIN)[1])
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Lesson not found"
