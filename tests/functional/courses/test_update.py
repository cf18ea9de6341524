"""PATCH /api/v1/courses/{id}: managers change courses; is_published follows the publish rules."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from shared.domain.courses import Course
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.courses.course_calls import (
    admin,
    instructor,
    update,
    webhook_messages,
)
from tests.learning import load, make_course, verify_instructor

pytestmark = pytest.mark.usefixtures("database_url")


def test_the_instructor_changes_the_fields_sent_and_only_those() -> None:
    owner, token = instructor()
    course = make_course(
        owner,
        published=False,
        description="Old description",
        category="Old",
        price=10.0,
        is_free=False,
    )

    response = update(
        course.id,
        {
            "title": "New title",
            "difficulty_level": "advanced",
            "requirements": ["Patience"],
            "metadata": {"level": 3},
            "currency": "gbp",
        },
        token,
    )

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["title"] == "New title"
    assert body["difficulty_level"] == "advanced"
    assert body["requirements"] == ["Patience"]
    assert body["metadata"] == {"level": 3}
    assert body["currency"] == "GBP"
    assert body["description"] == "Old description"
    assert body["category"] == "Old"
    assert body["slug"] == course.slug
    stored: Course = load(Course, course.id)
    assert stored.title == "New title"
    assert stored.description == "Old description"
    assert stored.price == 10.0
    assert stored.updated_at > course.updated_at
    assert datetime.fromisoformat(body["updated_at"]) == stored.updated_at


def test_null_clears_a_nullable_field_and_empties_a_list() -> None:
    owner, token = instructor()
    course = make_course(
        owner,
        description="Some",
        category="Cat",
        thumbnail_url="https://cdn.example.org/t.png",
        price=5.0,
        currency="USD",
        is_free=False,
        metadata_={"a": 1},
    )
    assert update(course.id, {"requirements": ["x"]}, token).status_code == 200

    response = update(
        course.id,
        {
            "description": None,
            "category": None,
            "thumbnail_url": None,
            "price": None,
            "currency": None,
            "requirements": None,
            "metadata": None,
        },
        token,
    )

    assert response.status_code == 200, response.get_body()
    stored: Course = load(Course, course.id)
    assert stored.description is None
    assert stored.category is None
    assert stored.thumbnail_url is None
    assert stored.price is None
    assert stored.currency is None
    assert stored.requirements == []
    assert stored.metadata_ is None
    # A price cleared without is_free makes the course free again.
    assert stored.is_free is True


@pytest.mark.parametrize("field", ["title", "is_published", "is_free"])
def test_null_for_a_field_that_cannot_be_empty_is_400(field: str) -> None:
    owner, token = instructor()
    course = make_course(owner, title="Kept title")

    response = update(course.id, {field: None, "description": "not applied"}, token)

    assert response.status_code == 400
    assert json_of(response)["detail"] == f"'{field}' cannot be null"
    stored: Course = load(Course, course.id)
    assert stored.title == "Kept title"
    assert stored.description is None


def test_another_instructor_may_not_change_the_course() -> None:
    owner, _ = instructor()
    course = make_course(owner, title="Mine")
    _, other = instructor()

    response = update(course.id, {"title": "Stolen"}, other)

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert load(Course, course.id).title == "Mine"


def test_a_student_may_not_change_a_course() -> None:
    owner, _ = instructor()
    course = make_course(owner)
    _, student = make_user(role=Role.STUDENT)
    assert update(course.id, {"title": "Nope"}, student).status_code == 403


def test_an_admin_changes_any_course() -> None:
    owner, _ = instructor()
    course = make_course(owner)
    _, token = admin()

    response = update(course.id, {"title": "Fixed by admin"}, token)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["title"] == "Fixed by admin"
    assert body["instructor_id"] == str(owner.id)
    assert body["instructor_name"] == "Ada Lovelace"


def test_changing_an_unknown_course_is_404() -> None:
    _, token = admin()
    response = update(uuid.uuid4(), {"title": "Ghost"}, token)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


def test_invalid_values_are_422_and_the_slug_is_not_changeable() -> None:
    owner, token = instructor()
    course = make_course(owner, slug="stable-slug")
    assert update(course.id, {"price": -1}, token).status_code == 422
    assert update(course.id, {"title": "x"}, token).status_code == 422
    response = update(course.id, {"slug": "new-slug"}, token)
    assert response.status_code == 200
    assert load(Course, course.id).slug == "stable-slug"


def test_read_only_aggregates_in_a_patch_are_ignored() -> None:
    owner, token = instructor()
    course = make_course(owner)
    response = update(
        course.id, {"enrollment_count": 999, "average_rating": 5, "status": "x"}, token
    )
    assert response.status_code == 200
    stored: Course = load(Course, course.id)
    assert (stored.enrollment_count, stored.average_rating) == (0, None)


def test_an_unverified_instructor_cannot_publish_through_patch() -> None:
    owner, token = instructor()
    course = make_course(owner, published=False, title="Draft")

    response = update(course.id, {"is_published": True, "title": "Published?"}, token)

    assert response.status_code == 403
    assert (
        json_of(response)["detail"]
        == "Instructor verification is required before publishing courses"
    )
    stored: Course = load(Course, course.id)
    assert stored.is_published is False
    assert stored.published_at is None
    assert stored.title == "Draft"
    assert webhook_messages() == []


def test_a_verified_instructor_publishes_through_patch_with_one_event() -> None:
    owner, token = instructor()
    verify_instructor(owner)
    course = make_course(owner, published=False)

    response = update(course.id, {"is_published": True}, token)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["is_published"] is True
    assert body["status"] == "published"
    stored: Course = load(Course, course.id)
    assert stored.is_published is True
    assert stored.published_at is not None
    [event] = webhook_messages()
    assert event.type == "course.published"
    assert event.payload == {
        "course_id": str(course.id),
        "instructor_id": str(owner.id),
        "published_at": stored.published_at.isoformat(),
    }
    # Already published: no second transition, no second event.
    assert update(course.id, {"is_published": True}, token).status_code == 200
    assert webhook_messages() == []


def test_an_unverified_instructor_may_edit_an_already_published_course() -> None:
    owner, token = instructor()
    course = make_course(owner, published=True)
    response = update(course.id, {"is_published": True, "title": "Still published"}, token)
    assert response.status_code == 200, response.get_body()
    assert load(Course, course.id).title == "Still published"
    assert webhook_messages() == []


def test_is_published_false_unpublishes_the_course() -> None:
    owner, token = instructor()
    course = make_course(owner, published=True)

    response = update(course.id, {"is_published": False}, token)

    assert response.status_code == 200, response.get_body()
    assert json_of(response)["status"] == "draft"
    stored: Course = load(Course, course.id)
    assert stored.is_published is False
    assert stored.published_at is None


def test_an_empty_patch_changes_nothing_not_even_updated_at() -> None:
    owner, token = instructor()
    course = make_course(owner)
    response = update(course.id, {}, token)
    assert response.status_code == 200
    assert load(Course, course.id).updated_at == course.updated_at


def test_a_free_course_given_a_price_becomes_paid_unless_is_free_is_sent() -> None:
    owner, token = instructor()
    course = make_course(owner, is_free=True)
    assert json_of(update(course.id, {"price": 20}, token))["is_free"] is False
    response = update(course.id, {"is_free": True}, token)
    assert response.status_code == 400
    assert load(Course, course.id).is_free is False
