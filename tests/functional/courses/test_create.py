"""POST /api/v1/courses: instructors and admins create drafts they own."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.courses import Course
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import call_http, json_of
from tests.functional.courses.course_calls import (
    admin,
    create,
    get_by_slug,
    instructor,
    webhook_messages,
)
from tests.learning import committed_before_insert, load, make_course

pytestmark = pytest.mark.usefixtures("database_url")

FULL_BODY: dict[str, Any] = {
    "title": "Python for Data Science",
    "slug": "python-data",
    "description": "Numbers, tables and plots",
    "category": "Programming",
    "difficulty_level": "intermediate",
    "thumbnail_url": "https://cdn.example.org/python.png",
    "estimated_duration_minutes": 90,
    "metadata": {"language": "en", "tags": ["python"]},
    "price": 49.99,
    "currency": "eur",
    "long_description": "A long description",
    "preview_video_url": "http://videos.example.org/preview.mp4",
    "requirements": ["A laptop"],
    "learning_objectives": ["Load a CSV", "Plot a chart"],
}


def test_an_instructor_creates_an_unpublished_course_they_own() -> None:
    user, token = instructor()

    response = create(FULL_BODY, token)

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["instructor_id"] == str(user.id)
    assert body["instructor_name"] == "Ada Lovelace"
    assert body["is_published"] is False
    assert body["status"] == "draft"
    assert body["published_at"] is None
    assert body["slug"] == "python-data"
    assert body["currency"] == "EUR"
    assert body["price"] == 49.99
    assert body["is_free"] is False
    assert body["metadata"] == {"language": "en", "tags": ["python"]}
    assert body["requirements"] == ["A laptop"]
    assert body["learning_objectives"] == ["Load a CSV", "Plot a chart"]
    assert body["duration_hours"] == 1.5
    assert body["total_lessons"] == 0
    assert body["rating"] is None
    assert body["review_count"] == 0
    stored = load(Course, uuid.UUID(body["id"]))
    assert stored.instructor_id == user.id
    assert stored.is_published is False
    assert stored.price == 49.99
    assert stored.currency == "EUR"
    assert stored.metadata_ == {"language": "en", "tags": ["python"]}
    assert stored.created_at == stored.updated_at
    assert webhook_messages() == []


def test_a_minimal_course_gets_the_defaults_and_a_slug_from_its_title() -> None:
    _, token = instructor()

    response = create({"title": "  Intro to   Rust -- Part 1!  "}, token)

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["title"] == "Intro to   Rust -- Part 1!"
    assert body["slug"] == "intro-to-rust-part-1"
    assert body["is_free"] is True
    assert body["price"] is None
    assert body["currency"] is None
    assert body["requirements"] == []
    assert body["learning_objectives"] == []
    assert body["metadata"] is None
    assert body["duration_hours"] == 0
    assert body["enrollment_count"] == 0
    assert body["average_rating"] is None


def test_an_admin_creates_a_course_owned_by_the_admin() -> None:
    user, token = admin()
    response = create({"title": "Admin course", "price": 0}, token)
    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["instructor_id"] == str(user.id)
    assert body["is_free"] is True


def test_a_title_whose_slug_is_too_short_asks_for_a_slug() -> None:
    _, token = instructor()

    response = create({"title": "C++ !"}, token)

    assert response.status_code == 422
    body = json_of(response)
    assert "send a slug" in body["detail"][0]["msg"]
    assert create({"title": "C++ !", "slug": "cpp"}, token).status_code == 201


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("Upper-Case", "upper-case"),
        ("two--dashes", "two-dashes"),
        ("-leading", "leading"),
        ("trailing-", "trailing"),
        ("under_score", "underscore"),
        ("  My Course: Part 1! ", "my-course-part-1"),
        ("abc", "abc"),
        ("a" * 255, "a" * 255),
    ],
)
def test_an_explicit_slug_of_3_to_255_characters_is_slugified_as_the_reference_did(
    sent: str, stored: str
) -> None:
    _, token = instructor()

    response = create({"title": "A fine title", "slug": sent}, token)

    assert response.status_code == 201, response.get_body()
    assert json_of(response)["slug"] == stored
    assert json_of(get_by_slug(stored, token))["slug"] == stored


@pytest.mark.parametrize("slug", ["ab", "a" * 256])
def test_a_slug_shorter_than_3_or_longer_than_255_characters_is_422(slug: str) -> None:
    _, token = instructor()
    response = create({"title": "A fine title", "slug": slug}, token)
    assert response.status_code == 422, slug
    assert json_of(response)["detail"][0]["loc"] == ["body", "slug"]


def test_a_slug_that_slugifies_to_fewer_than_3_characters_is_422_and_says_what_to_send() -> None:
    _, token = instructor()
    response = create({"title": "A fine title", "slug": "C++ !"}, token)
    assert response.status_code == 422
    assert "the slug gives the slug 'c'" in json_of(response)["detail"][0]["msg"]


def test_an_explicit_slug_that_slugifies_to_one_in_use_is_409() -> None:
    user, token = instructor()
    make_course(user, slug="taken-slug")

    response = create({"title": "Another", "slug": "Taken Slug"}, token)

    assert response.status_code == 409
    assert json_of(response)["detail"] == "Course slug already exists"


def test_a_slug_in_use_is_409_and_nothing_is_created() -> None:
    user, token = instructor()
    make_course(user, slug="taken-slug")

    response = create({"title": "Another", "slug": "taken-slug"}, token)

    assert response.status_code == 409
    assert json_of(response)["detail"] == "Course slug already exists"


def test_a_title_slugifying_to_a_slug_in_use_is_409() -> None:
    user, token = instructor()
    make_course(user, slug="python-basics")
    response = create({"title": "Python Basics"}, token)
    assert response.status_code == 409


def test_a_student_may_not_create_a_course() -> None:
    _, token = make_user(role=Role.STUDENT)
    response = create({"title": "Mine now"}, token)
    assert response.status_code == 403
    assert json_of(response)["detail"] == "Insufficient permissions"


def test_an_anonymous_caller_must_sign_in_to_create_a_course() -> None:
    response = create({"title": "Nobody's"}, None)
    assert response.status_code == 401
    assert json_of(response)["detail"] == "Not authenticated"


def test_the_read_only_aggregates_are_accepted_and_ignored() -> None:
    _, token = instructor()
    body = {
        "title": "Aggregates",
        "total_reviews": 100,
        "total_quizzes": 7,
        "enrollment_count": 5000,
        "average_rating": 4.9,
        "status": "published",
    }

    response = create(body, token)

    assert response.status_code == 201, response.get_body()
    created = json_of(response)
    assert created["total_reviews"] == 0
    assert created["total_quizzes"] == 0
    assert created["enrollment_count"] == 0
    assert created["average_rating"] is None
    assert created["status"] == "draft"
    stored = load(Course, uuid.UUID(created["id"]))
    assert (stored.total_reviews, stored.enrollment_count, stored.average_rating) == (0, 0, None)


@pytest.mark.parametrize(
    "field, value",
    [
        ("total_reviews", -1),
        ("enrollment_count", -5),
        ("average_rating", 5.5),
        ("status", "x" * 21),
    ],
)
def test_read_only_aggregates_out_of_their_reference_bounds_are_422(field: str, value: Any) -> None:
    _, token = instructor()
    assert create({"title": "Bounds", field: value}, token).status_code == 422


@pytest.mark.parametrize(
    "field, value",
    [
        ("price", -1),
        ("price", 19.999),
        ("price", 100000000),
        ("price", "NaN"),
        ("currency", "EU"),
        ("currency", "EURO"),
        ("currency", "E1R"),
        ("thumbnail_url", "javascript:alert(1)"),
        ("thumbnail_url", "https://"),
        ("thumbnail_url", "https://cdn.example.org/" + "x" * 480),
        ("preview_video_url", "ftp://videos.example.org/a.mp4"),
        ("preview_video_url", "not a url"),
        ("estimated_duration_minutes", 0),
        ("difficulty_level", "expert"),
        ("category", "c" * 101),
        ("title", "ab"),
        ("title", 12345),
        ("metadata", ["not", "a", "dict"]),
        ("requirements", "not a list"),
        ("requirements", ["x" * 501]),
        ("learning_objectives", ["item"] * 51),
        ("is_free", "perhaps"),
    ],
)
def test_a_field_that_breaks_its_rule_is_422_naming_the_field(field: str, value: Any) -> None:
    _, token = instructor()

    response = create({"title": "A fine title", field: value}, token)

    assert response.status_code == 422, (field, value)
    assert json_of(response)["detail"][0]["loc"][:2] == ["body", field]


def test_the_highest_price_with_two_decimals_is_accepted() -> None:
    _, token = instructor()
    response = create({"title": "Expensive", "price": 99999999.99, "currency": "usd"}, token)
    assert response.status_code == 201, response.get_body()
    assert json_of(response)["price"] == 99999999.99


def test_a_free_course_with_a_price_is_refused() -> None:
    _, token = instructor()
    response = create({"title": "Free but paid", "price": 10, "is_free": True}, token)
    assert response.status_code == 400
    assert "free course has no price" in json_of(response)["detail"]


def test_a_body_that_is_not_json_is_422() -> None:
    _, token = instructor()
    response = call_http(
        "courses_create",
        "POST",
        "/api/v1/courses",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=b"{not json",
    )
    assert response.status_code == 422


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_slug_taken_after_the_check_is_still_409() -> None:
    user, token = instructor()
    # Another request commits the slug between the service's check and its insert (only
    # PostgreSQL lets it: on SQLite the check already holds the write lock).
    other_request = committed_before_insert(Course, lambda: make_course(user, slug="raced-slug"))

    with other_request as committed:
        response = create({"title": "Raced", "slug": "raced-slug"}, token)

    assert committed, "the other request never committed"
    assert response.status_code == 409
    assert json_of(response)["detail"] == "Course slug already exists"
