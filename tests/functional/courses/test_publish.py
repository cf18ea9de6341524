"""POST /api/v1/courses/{id}/publish: verified instructors and admins publish drafts, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import update as sql_update

from shared.domain.courses import Course
from shared.domain.instructors import InstructorProfile
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.courses.course_calls import (
    admin,
    instructor,
    publish,
    update,
    webhook_messages,
)
from tests.learning import load, make_course, verify_instructor
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def test_a_verified_instructor_publishes_a_draft_and_announces_it_once() -> None:
    owner, token = instructor()
    verify_instructor(owner)
    course = make_course(owner, published=False)
    before = datetime.now(UTC)

    response = publish(course.id, token)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["is_published"] is True
    assert body["status"] == "published"
    stored: Course = load(Course, course.id)
    assert stored.is_published is True
    assert stored.published_at is not None
    assert stored.published_at >= before
    assert stored.updated_at == stored.published_at
    assert datetime.fromisoformat(body["published_at"]) == stored.published_at
    [event] = webhook_messages()
    assert event.type == "course.published"
    assert event.payload == {
        "course_id": str(course.id),
        "instructor_id": str(owner.id),
        "published_at": stored.published_at.isoformat(),
    }


def test_publishing_a_published_course_returns_it_unchanged_without_a_second_event() -> None:
    owner, token = instructor()
    verify_instructor(owner)
    course = make_course(owner, published=False)
    first = json_of(publish(course.id, token))
    assert len(webhook_messages()) == 1

    response = publish(course.id, token)

    assert response.status_code == 200
    assert json_of(response) == first
    assert webhook_messages() == []


def test_an_unverified_instructor_cannot_publish() -> None:
    owner, token = instructor()
    course = make_course(owner, published=False)

    response = publish(course.id, token)

    assert response.status_code == 403
    assert (
        json_of(response)["detail"]
        == "Instructor verification is required before publishing courses"
    )
    assert load(Course, course.id).is_published is False
    assert webhook_messages() == []


def test_an_instructor_whose_verification_was_withdrawn_cannot_publish() -> None:
    owner, token = instructor()
    verify_instructor(owner)
    with unit_of_work() as uow:
        uow.session.execute(
            sql_update(InstructorProfile)
            .where(InstructorProfile.user_id == owner.id)
            .values(is_verified=False, verification_status="rejected")
        )
        uow.commit()
    course = make_course(owner, published=False)

    assert publish(course.id, token).status_code == 403


def test_an_admin_publishes_any_draft_without_verification() -> None:
    owner, _ = instructor()
    course = make_course(owner, published=False)
    _, token = admin()

    response = publish(course.id, token)

    assert response.status_code == 200, response.get_body()
    assert load(Course, course.id).is_published is True
    [event] = webhook_messages()
    assert event.payload["instructor_id"] == str(owner.id)


def test_another_verified_instructor_may_not_publish_the_course() -> None:
    owner, _ = instructor()
    course = make_course(owner, published=False)
    other, other_token = instructor()
    verify_instructor(other)

    response = publish(course.id, other_token)

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to manage this course"
    assert load(Course, course.id).is_published is False


def test_a_student_may_not_publish() -> None:
    owner, _ = instructor()
    course = make_course(owner, published=False)
    _, token = make_user(role=Role.STUDENT)
    assert publish(course.id, token).status_code == 403


def test_publishing_an_unknown_course_is_404() -> None:
    _, token = admin()
    response = publish(uuid.uuid4(), token)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


def test_republishing_after_unpublishing_is_a_new_transition_with_a_new_event() -> None:
    owner, token = instructor()
    verify_instructor(owner)
    course = make_course(owner, published=False)
    publish(course.id, token)
    first = load(Course, course.id).published_at
    update(course.id, {"is_published": False}, token)

    assert publish(course.id, token).status_code == 200

    second = load(Course, course.id).published_at
    assert second is not None and first is not None and second > first
    events = webhook_messages()
    assert [e.payload["published_at"] for e in events] == [first.isoformat(), second.isoformat()]
