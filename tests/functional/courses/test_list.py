"""GET /api/v1/courses: who sees which courses, filters, search, pages and order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.courses import Course
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.courses.course_calls import admin, get, instructor, list_courses
from tests.learning import make_course

pytestmark = pytest.mark.usefixtures("database_url")

START = datetime(2030, 1, 1, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def _titles(query: str = "", token: str | None = None) -> list[str]:
    response = list_courses(query, token)
    assert response.status_code == 200, response.get_body()
    return [item["title"] for item in json_of(response)["items"]]


@pytest.fixture
def catalogue() -> dict[str, Any]:
    """Two instructors, each with a published course and a draft (newest listed first)."""
    own, own_token = instructor()
    other, other_token = instructor()
    make_course(own, title="Own published", created_at=_at(1))
    make_course(own, title="Own draft", published=False, created_at=_at(2))
    make_course(other, title="Other published", created_at=_at(3))
    make_course(other, title="Other draft", published=False, created_at=_at(4))
    return {"own": own, "own_token": own_token, "other_token": other_token}


def test_an_anonymous_caller_sees_published_courses_only(catalogue: dict[str, Any]) -> None:
    assert _titles() == ["Other published", "Own published"]


def test_a_student_sees_published_courses_only_and_mine_changes_nothing(
    catalogue: dict[str, Any],
) -> None:
    _, token = make_user(role=Role.STUDENT)
    assert _titles(token=token) == ["Other published", "Own published"]
    assert _titles("?mine=true", token) == ["Other published", "Own published"]


def test_an_instructor_without_mine_sees_published_courses_only(
    catalogue: dict[str, Any],
) -> None:
    assert _titles(token=catalogue["own_token"]) == ["Other published", "Own published"]


def test_an_instructor_with_mine_sees_their_own_courses_drafts_included(
    catalogue: dict[str, Any],
) -> None:
    response = list_courses("?mine=true", catalogue["own_token"])
    body = json_of(response)
    assert [item["title"] for item in body["items"]] == ["Own draft", "Own published"]
    assert [item["status"] for item in body["items"]] == ["draft", "published"]
    assert {item["instructor_name"] for item in body["items"]} == {"Ada Lovelace"}


def test_an_admin_sees_every_course_and_with_mine_their_own(catalogue: dict[str, Any]) -> None:
    user, token = admin()
    make_course(user, title="Admin draft", published=False, created_at=_at(5))
    assert _titles(token=token) == [
        "Admin draft",
        "Other draft",
        "Other published",
        "Own draft",
        "Own published",
    ]
    assert _titles("?mine=true", token) == ["Admin draft"]


def test_a_bad_token_on_the_list_reads_as_anonymous(catalogue: dict[str, Any]) -> None:
    assert _titles(token="not-a-token") == ["Other published", "Own published"]


def test_category_and_difficulty_filter_the_list() -> None:
    user, _ = instructor()
    make_course(user, title="Py beginner", category="Python", difficulty_level="beginner")
    make_course(user, title="Py advanced", category="Python", difficulty_level="advanced")
    make_course(user, title="Go beginner", category="Go", difficulty_level="beginner")

    assert sorted(_titles("?category=Python")) == ["Py advanced", "Py beginner"]
    assert _titles("?category=Python&difficulty_level=advanced") == ["Py advanced"]
    assert sorted(_titles("?difficulty_level=beginner")) == ["Go beginner", "Py beginner"]
    assert _titles("?category=Haskell") == []


def test_an_unknown_difficulty_level_lists_no_courses_with_200_as_in_the_reference() -> None:
    user, _ = instructor()
    make_course(user, title="Py beginner", difficulty_level="beginner")

    response = list_courses("?difficulty_level=expert")

    assert response.status_code == 200
    assert json_of(response)["items"] == []
    assert json_of(response)["total"] == 0


def test_an_empty_category_or_difficulty_level_filters_nothing_as_in_the_reference() -> None:
    user, _ = instructor()
    make_course(user, title="Py beginner", category="Python", difficulty_level="beginner")
    make_course(user, title="Uncategorised", created_at=_at(1))

    everything = ["Uncategorised", "Py beginner"]
    assert _titles("?category=") == everything
    assert _titles("?difficulty_level=") == everything
    assert _titles("?category=&difficulty_level=") == everything
    assert _titles("?category=Python&difficulty_level=") == ["Py beginner"]


def test_a_difficulty_level_longer_than_100_characters_is_422() -> None:
    response = list_courses("?difficulty_level=" + "x" * 101)
    assert response.status_code == 422
    assert json_of(response)["detail"][0]["loc"] == ["query", "difficulty_level"]


def test_search_matches_title_or_description_ignoring_case() -> None:
    user, _ = instructor()
    make_course(user, title="Learning PYTHON", created_at=_at(1))
    make_course(user, title="Snakes", description="All about python and friends", created_at=_at(2))
    make_course(user, title="Rust", description="Memory safety", created_at=_at(3))

    assert _titles("?search=python") == ["Snakes", "Learning PYTHON"]
    assert _titles("?search=MEMORY") == ["Rust"]
    assert _titles("?search=nothing-like-it") == []


@pytest.mark.parametrize(
    "search, expected",
    [("100%", ["100% practical"]), ("a_b", ["Variable a_b"]), ("\\", ["Back\\slash"])],
)
def test_wildcards_in_the_search_text_match_themselves(search: str, expected: list[str]) -> None:
    user, _ = instructor()
    make_course(user, title="100% practical")
    make_course(user, title="1000 practical tips")
    make_course(user, title="Variable a_b")
    make_course(user, title="Variable aXb")
    make_course(user, title="Back\\slash")

    # call_http hands query values over decoded, as the Functions host does.
    assert _titles(f"?search={search}") == expected


def test_a_search_longer_than_200_characters_is_422() -> None:
    assert list_courses("?search=" + "x" * 201).status_code == 422


def test_pages_carry_the_total_and_the_number_of_pages() -> None:
    user, _ = instructor()
    for index in range(5):
        make_course(user, title=f"Course {index}", created_at=_at(index))

    body = json_of(list_courses("?page=2&page_size=2"))

    assert body["total"] == 5
    assert body["page"] == 2
    assert body["page_size"] == 2
    assert body["total_pages"] == 3
    assert [item["title"] for item in body["items"]] == ["Course 2", "Course 1"]
    assert [i["title"] for i in json_of(list_courses("?page=3&page_size=2"))["items"]] == [
        "Course 0"
    ]
    assert json_of(list_courses("?page=4&page_size=2"))["items"] == []


def test_an_empty_catalogue_is_an_empty_first_page() -> None:
    body = json_of(list_courses())
    assert body == {"items": [], "total": 0, "page": 1, "page_size": 20, "total_pages": 0}


@pytest.mark.parametrize("query", ["?page=0", "?page_size=0", "?page_size=101", "?page=x"])
def test_page_and_page_size_out_of_bounds_are_422(query: str) -> None:
    assert list_courses(query).status_code == 422


def test_courses_created_at_the_same_moment_are_ordered_by_id_descending() -> None:
    user, _ = instructor()
    courses = [make_course(user, created_at=START) for _ in range(4)]
    expected = [str(c.id) for c in sorted(courses, key=lambda c: c.id, reverse=True)]

    body = json_of(list_courses())

    assert [item["id"] for item in body["items"]] == expected


def test_list_items_have_the_filled_fields() -> None:
    user, _ = instructor()
    course: Course = make_course(user, lessons=3, average_rating=4.5, total_reviews=2)

    [item] = json_of(list_courses())["items"]

    assert item["id"] == str(course.id)
    assert item["instructor_name"] == "Ada Lovelace"
    assert item["total_lessons"] == 3
    assert item["duration_hours"] == 0.5
    assert item["rating"] == 4.5
    assert item["review_count"] == 2


def test_each_listed_course_reads_exactly_as_the_course_itself(
    database_url: str,
) -> None:
    # The list reads columns, a single course reads the entity: every field must match.
    owner, token = instructor()
    make_course(
        owner,
        title='Żółw 🐢 and "quotes"',
        description="Line one\nline two",
        category="databases",
        difficulty_level="advanced",
        metadata_={"level": "ü", "tags": ["a", "b"], "n": 1.5},
        price=12.5,
        currency="EUR",
        is_free=False,
        estimated_duration_minutes=0,  # falls back to the lessons' duration, as `or` does
        lessons=3,
        requirements=["SQL", "patience"],
        learning_objectives=["Indexes"],
        average_rating=13 / 3,
        total_reviews=3,
        enrollment_count=7,
        created_at=datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=UTC),
    )
    make_course(
        owner,
        title="A draft with nothing filled in",
        published=False,
        requirements=None,  # stored as JSON null: listed as []
        learning_objectives=None,
        created_at=datetime(2030, 1, 2, tzinfo=UTC),
    )
    make_course(owner, title="Short", estimated_duration_minutes=50, created_at=_at(5))

    listed = json_of(list_courses("?mine=true", token))["items"]

    assert len(listed) == 3
    for item in listed:
        alone = get(item["id"], token)
        assert alone.status_code == 200, alone.get_body()
        assert item == json_of(alone)
    by_title = {item["title"]: item for item in listed}
    assert by_title["Short"]["duration_hours"] == 0.83
    assert by_title["A draft with nothing filled in"]["requirements"] == []
    assert by_title['Żółw 🐢 and "quotes"']["created_at"] == "2030-01-01T12:00:00.123456Z"
