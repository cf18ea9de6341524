"""GET /api/v1/courses/{id} and /api/v1/courses/slug/{slug}: a draft exists for its managers."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import azure.functions as func
import pytest

from shared.domain.courses import Course
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.courses.course_calls import admin, get, get_by_slug, instructor
from tests.learning import make_course

pytestmark = pytest.mark.usefixtures("database_url")

Read = Callable[[Course, str | None], func.HttpResponse]


def _by_id(course: Course, token: str | None) -> func.HttpResponse:
    return get(course.id, token)


def _by_slug(course: Course, token: str | None) -> func.HttpResponse:
    return get_by_slug(course.slug, token)


READS = pytest.mark.parametrize("read", [_by_id, _by_slug], ids=["by id", "by slug"])


@READS
def test_anyone_reads_a_published_course(read: Read) -> None:
    owner, _ = instructor()
    course = make_course(owner, lessons=2, estimated_duration_minutes=125, category="Data")
    _, student = make_user(role=Role.STUDENT)

    for token in (None, student):
        response = read(course, token)
        assert response.status_code == 200, response.get_body()
        body = json_of(response)
        assert body["id"] == str(course.id)
        assert body["slug"] == course.slug
        assert body["instructor_name"] == "Ada Lovelace"
        assert body["status"] == "published"
        assert body["total_lessons"] == 2
        assert body["duration_hours"] == 2.08
        assert body["category"] == "Data"


@READS
def test_a_draft_is_403_for_anonymous_callers_students_and_other_instructors(read: Read) -> None:
    owner, _ = instructor()
    course = make_course(owner, published=False)
    _, student = make_user(role=Role.STUDENT)
    _, other = instructor()

    for token in (None, student, other):
        response = read(course, token)
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Not authorized to access this course"


@READS
def test_a_draft_is_readable_by_its_instructor_and_by_admins(read: Read) -> None:
    owner, owner_token = instructor()
    course = make_course(owner, published=False)
    _, admin_token = admin()

    for token in (owner_token, admin_token):
        response = read(course, token)
        assert response.status_code == 200, response.get_body()
        assert json_of(response)["status"] == "draft"


def test_an_unknown_id_is_404_course_not_found() -> None:
    response = get(uuid.uuid4())
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


def test_an_unknown_slug_is_404_course_not_found() -> None:
    response = get_by_slug("no-such-course")
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Course not found"


@pytest.mark.parametrize(
    "path, routed",
    [
        ("/api/v1/courses/slug/intro-to-rust", True),
        ("/api/v1/courses/slug/" + "a" * 255, True),
        ("/api/v1/courses/slug/" + "a" * 256, False),
        ("/api/v1/courses/slug/a/lessons", False),
    ],
)
def test_the_slug_route_takes_one_segment_no_longer_than_a_slug(path: str, routed: bool) -> None:
    from shared.http import ROUTES
    from shared.local.route_templates import RouteTemplate, split_path

    template = RouteTemplate.parse(ROUTES["courses_get_by_slug"].path)
    assert (template.match(split_path(path)) is not None) is routed
