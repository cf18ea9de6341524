"""Reading lessons: GET /courses/{course_id}/lessons and GET /lessons/{lesson_id} (OPT).

A draft course's lessons exist only for its managers. Of a published course, managers and
enrolled students (active or completed) read everything; everyone else reads the outline: the
preview lessons in full, the others without content and video (the reference served all of
it to anyone, its defect 6.6).
"""

from __future__ import annotations

import uuid

import pytest

from shared.domain.courses import Lesson
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.lessons.calls import (
    FULL_READERS,
    MANAGERS,
    ROLES,
    OwnedCourse,
    caller,
    get_lesson,
    list_lessons,
    owned_course,
)
from tests.learning import make_enrollment, make_lesson
from tests.statements import authenticated, counted_statements

pytestmark = pytest.mark.usefixtures("database_url")

VIDEO = "https://videos.example.org/lesson-2"


def course_with_preview_and_video(*, published: bool) -> tuple[OwnedCourse, Lesson, Lesson]:
    owned = owned_course(published=published)
    preview = make_lesson(owned.course, is_preview=True, content="Welcome, everyone")
    video = make_lesson(owned.course, lesson_type="video", video_url=VIDEO, content="The secret")
    return owned, preview, video


@pytest.mark.parametrize("role", ROLES)
def test_a_published_course_lists_lessons_in_full_for_learners_and_managers_else_the_outline(
    role: str,
) -> None:
    owned, preview, video = course_with_preview_and_video(published=True)

    response = list_lessons(owned.course.id, caller(role, owned))

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["total"] == 2
    first, second = body["items"]
    assert (first["id"], first["content"], first["is_preview"]) == (
        str(preview.id),
        "Welcome, everyone",
        True,
    )
    assert (second["id"], second["title"], second["lesson_type"]) == (
        str(video.id),
        video.title,
        "video",
    )
    if role in FULL_READERS:
        assert (second["content"], second["video_url"]) == ("The secret", VIDEO)
    else:
        assert (second["content"], second["video_url"]) == (None, None)


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_courses_lessons_are_listed_for_its_managers_only(role: str) -> None:
    owned, _, _ = course_with_preview_and_video(published=False)

    response = list_lessons(owned.course.id, caller(role, owned))

    if role in MANAGERS:
        assert response.status_code == 200, response.get_body()
        assert [item["content"] for item in json_of(response)["items"]] == [
            "Welcome, everyone",
            "The secret",
        ]
    else:
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Not authorized to view lessons for this course"


@pytest.mark.parametrize("role", ROLES)
def test_a_preview_lesson_of_a_published_course_is_open_to_everyone(role: str) -> None:
    owned, preview, _ = course_with_preview_and_video(published=True)

    response = get_lesson(preview.id, caller(role, owned))

    assert response.status_code == 200, response.get_body()
    assert json_of(response)["content"] == "Welcome, everyone"


@pytest.mark.parametrize("role", ROLES)
def test_a_lesson_that_is_not_a_preview_needs_an_enrollment(role: str) -> None:
    owned, _, video = course_with_preview_and_video(published=True)

    response = get_lesson(video.id, caller(role, owned))

    if role in FULL_READERS:
        assert response.status_code == 200, response.get_body()
        body = json_of(response)
        assert (body["content"], body["video_url"]) == ("The secret", VIDEO)
        assert body["course_id"] == str(owned.course.id)
    else:
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Enroll in this course to view this lesson"


@pytest.mark.parametrize("role", ROLES)
def test_a_lesson_of_a_draft_course_is_for_its_managers_only(role: str) -> None:
    owned, preview, video = course_with_preview_and_video(published=False)
    token = caller(role, owned)

    for lesson in (preview, video):
        response = get_lesson(lesson.id, token)
        if role in MANAGERS:
            assert response.status_code == 200, response.get_body()
        else:
            assert response.status_code == 403
            assert json_of(response)["detail"] == "Not authorized to view this lesson"


def test_lessons_are_listed_by_position_whatever_order_they_were_added_in() -> None:
    owned = owned_course()
    for position in (5, 2, 9):
        make_lesson(owned.course, order_index=position)

    body = json_of(list_lessons(owned.course.id, owned.token))

    assert [item["order_index"] for item in body["items"]] == [2, 5, 9]


def test_a_course_without_lessons_lists_none() -> None:
    owned = owned_course()
    assert json_of(list_lessons(owned.course.id)) == {"items": [], "total": 0}


def test_the_lessons_of_an_unknown_course_are_404() -> None:
    response = list_lessons(uuid.uuid4())
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


def test_an_unknown_lesson_is_404() -> None:
    response = get_lesson(uuid.uuid4())
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Lesson not found"


@pytest.mark.postgres
@pytest.mark.parametrize("enrolled, expected", [(False, 3), (True, 5)])
def test_listing_two_hundred_lessons_costs_as_many_statements_as_listing_one(
    enrolled: bool, expected: int
) -> None:
    one = owned_course(lessons=1)
    two_hundred = owned_course(lessons=200)
    token = None
    if enrolled:
        student, token = make_user()
        make_enrollment(student, one.course)
        make_enrollment(student, two_hundred.course)

    counts = []
    for owned, lessons in ((one, 1), (two_hundred, 200)):
        with counted_statements() as statements:
            response = list_lessons(owned.course.id, token)
        assert response.status_code == 200
        items = json_of(response)["items"]
        assert len(items) == lessons
        assert all((item["content"] is not None) is enrolled for item in items)
        counts.append(len(statements))

    # The rate-limit counter, the actor (signed in only), the course, the enrollment (only
    # when it decides what the caller reads), then one query for the lessons.
    if enrolled:
        expected = authenticated(expected)
    assert counts == [expected, expected], counts
