"""Adding lessons: POST /courses/{course_id}/lessons (course managers).

Slugs are unique within a course (the reference allowed duplicates, its defect 6.15): a slug
the client chose answers 409 when taken, a slug made from the title gets a number instead.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from shared.domain.courses import Course, Lesson
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import functions_by_name, json_of
from tests.functional.lessons.calls import (
    OwnedCourse,
    create_lesson,
    owned_course,
    progress_messages,
)
from tests.learning import lessons_of, load, make_lesson

pytestmark = pytest.mark.usefixtures("database_url")

TEXT = {"title": "Getting Started", "lesson_type": "text"}


def created(owned: OwnedCourse, token: str | None = None, **body: Any) -> dict[str, Any]:
    response = create_lesson(owned.course.id, {**TEXT, **body}, token or owned.token)
    assert response.status_code == 201, response.get_body()
    result: dict[str, Any] = json_of(response)
    return result


def refused(owned: OwnedCourse, status: int, detail: str | None = None, **body: Any) -> None:
    before = lessons_of(owned.course)
    response = create_lesson(owned.course.id, {**TEXT, **body}, owned.token)
    assert response.status_code == status, response.get_body()
    if detail is not None:
        assert json_of(response)["detail"] == detail
    assert [lesson.id for lesson in lessons_of(owned.course)] == [lesson.id for lesson in before]


def test_a_new_lesson_goes_to_the_end_of_the_course_with_a_slug_from_its_title() -> None:
    owned = owned_course(lessons=2)

    body = created(owned, description="First steps", content="Hello", metadata={"level": 1})

    assert body["slug"] == "getting-started"
    assert body["order_index"] == 3
    assert body["course_id"] == str(owned.course.id)
    assert (body["is_preview"], body["video_url"], body["parent_lesson_id"]) == (False, None, None)
    assert body["created_at"] == body["updated_at"]
    stored = load(Lesson, uuid.UUID(body["id"]))
    assert (stored.title, stored.description, stored.content) == (
        "Getting Started",
        "First steps",
        "Hello",
    )
    assert stored.metadata_ == {"level": 1}


@pytest.mark.parametrize(
    "title, slug",
    [
        ("  Hello,   World -- Again!  ", "hello-world-again"),
        ("C++ & Rust: 2 Languages", "c-rust-2-languages"),
        ("--Dashes__and_underscores--", "dashesandunderscores"),
        ("Ünïcode Café", "ncode-caf"),
        ("!!!", "lesson"),
    ],
)
def test_the_default_slug_follows_the_references_slugify_rule(title: str, slug: str) -> None:
    owned = owned_course()
    assert created(owned, title=title)["slug"] == slug


def test_a_slug_made_from_a_title_already_used_gets_the_first_free_number() -> None:
    owned = owned_course()
    make_lesson(owned.course, slug="intro")
    make_lesson(owned.course, slug="intro-3")

    slugs = [created(owned, title="Intro")["slug"] for _ in range(3)]

    assert slugs == ["intro-2", "intro-4", "intro-5"]


def test_a_slug_the_client_chose_that_is_taken_is_a_conflict() -> None:
    owned = owned_course()
    make_lesson(owned.course, slug="intro")
    refused(owned, 409, "A lesson with this slug already exists in this course", slug="intro")


def test_the_same_slug_may_be_used_in_another_course() -> None:
    first, second = owned_course(), owned_course()
    assert created(first, slug="intro")["slug"] == "intro"
    assert created(second, slug="intro")["slug"] == "intro"


@pytest.mark.parametrize("slug", ["Intro", "in", "intro--one", "-intro", "intro_one", "a" * 256])
def test_a_slug_of_other_characters_or_lengths_than_the_slug_rule_allows_is_422(slug: str) -> None:
    refused(owned_course(), 422, slug=slug)


def test_a_lesson_may_take_a_free_position_and_the_next_one_follows_it() -> None:
    owned = owned_course(lessons=2)
    assert created(owned, order_index=10)["order_index"] == 10
    assert created(owned, title="Next")["order_index"] == 11


def test_a_position_another_lesson_holds_is_a_conflict() -> None:
    owned = owned_course(lessons=2)
    refused(owned, 409, "Lesson already exists or order index conflicts", order_index=2)
    assert progress_messages() == []


def test_a_video_lesson_takes_its_link_as_video_url_or_video_link_trimmed() -> None:
    owned = owned_course()

    by_name = created(owned, lesson_type="video", video_url=" https://videos.example.org/1 ")
    by_alias = created(owned, title="Second", lesson_type="video", video_link="http://v.example/2")

    assert by_name["video_url"] == "https://videos.example.org/1"
    assert by_alias["video_url"] == "http://v.example/2"
    assert load(Lesson, uuid.UUID(by_alias["id"])).video_url == "http://v.example/2"


@pytest.mark.parametrize("key", ["video_url", "video_link"])
def test_only_video_lessons_have_a_video_url(key: str) -> None:
    owned = owned_course()
    refused(
        owned, 400, "video_url is only allowed for video lessons", **{key: "https://v.example/1"}
    )


def test_a_blank_video_url_means_no_video() -> None:
    assert created(owned_course(), video_url="   ")["video_url"] is None


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://files.example/v", "https://", "videos.example.org/1"],
)
@pytest.mark.parametrize("key", ["video_url", "video_link"])
def test_a_video_url_that_is_not_an_http_address_is_400_as_in_the_reference(
    key: str, url: str
) -> None:
    refused(
        owned_course(),
        400,
        "video_url must be a valid http/https URL",
        **{"lesson_type": "video", key: url},
    )


def test_a_video_url_that_is_not_an_http_address_is_400_whatever_the_lesson_type() -> None:
    refused(owned_course(), 400, "video_url must be a valid http/https URL", video_url="ftp://x/v")


def test_a_video_url_longer_than_500_characters_is_422() -> None:
    refused(owned_course(), 422, lesson_type="video", video_url="https://v.example/" + "a" * 500)


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "ab"),
        ("title", "x" * 256),
        ("lesson_type", "podcast"),
        ("order_index", 0),
        ("duration_minutes", 0),
        ("is_preview", "sometimes"),
    ],
)
def test_a_field_outside_its_rule_is_422(field: str, value: Any) -> None:
    refused(owned_course(), 422, **{field: value})


def test_the_lesson_type_is_required() -> None:
    owned = owned_course()
    response = create_lesson(owned.course.id, {"title": "No type"}, owned.token)
    assert response.status_code == 422


def test_a_sub_lesson_names_a_parent_of_the_same_course() -> None:
    owned = owned_course()
    parent = make_lesson(owned.course)
    assert created(owned, parent_lesson_id=str(parent.id))["parent_lesson_id"] == str(parent.id)


def test_an_unknown_parent_is_404() -> None:
    refused(owned_course(), 404, "Parent lesson not found", parent_lesson_id=str(uuid.uuid4()))


def test_a_parent_from_another_course_is_400() -> None:
    elsewhere = make_lesson(owned_course().course)
    refused(
        owned_course(),
        400,
        "Parent lesson must belong to the same course",
        parent_lesson_id=str(elsewhere.id),
    )


def test_the_course_counts_the_new_lesson_and_its_minutes() -> None:
    owned = owned_course(lessons=2)  # 10 minutes each

    created(owned, duration_minutes=15)
    created(owned, title="No duration")

    course = load(Course, owned.course.id)
    assert (course.total_lessons, course.lessons_duration_minutes) == (4, 35)
    assert course.updated_at > owned.course.updated_at


def test_creating_a_lesson_publishes_one_lessons_changed_message_for_the_progress_queue() -> None:
    owned = owned_course()
    created(owned)
    assert progress_messages() == [("course.lessons_changed", {"course_id": str(owned.course.id)})]


def test_an_admin_may_add_lessons_to_any_course() -> None:
    admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    assert created(owned_course(published=False), admin_token)["order_index"] == 1


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT])
def test_someone_who_does_not_manage_the_course_cannot_add_lessons(role: Role) -> None:
    owned = owned_course()

    response = create_lesson(owned.course.id, TEXT, make_user(role=role)[1])

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert lessons_of(owned.course) == []
    assert progress_messages() == []


def test_adding_a_lesson_to_an_unknown_course_is_404() -> None:
    response = create_lesson(uuid.uuid4(), TEXT, make_user(role=Role.INSTRUCTOR)[1])
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


@pytest.mark.postgres
def test_lessons_added_at_the_same_time_take_one_position_each() -> None:
    owned = owned_course()
    statuses: list[int] = []

    def add() -> None:
        response = create_lesson(owned.course.id, {**TEXT, "title": "Parallel"}, owned.token)
        statuses.append(response.status_code)

    functions_by_name()  # built once, before the threads: the app lists its functions once
    threads = [threading.Thread(target=add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [201] * 6
    lessons = lessons_of(owned.course)
    assert [lesson.order_index for lesson in lessons] == [1, 2, 3, 4, 5, 6]
    assert sorted(lesson.slug for lesson in lessons) == sorted(
        ["parallel", *(f"parallel-{n}" for n in range(2, 7))]
    )
    assert load(Course, owned.course.id).total_lessons == 6
