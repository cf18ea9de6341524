"""Input that is wrong in shape or size gets a 4xx, and nothing stored can make a read fail
(issue 14, cases 1, 5, 6 and 8)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from shared.domain.courses import Course
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.functional.courses import course_calls
from tests.learning import lessons_of, load, make_course, make_enrollment

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_metadata_nested_300_levels_is_refused_and_the_course_list_keeps_working() -> None:
    owner, token = course_calls.instructor()
    course = make_course(owner)

    response = course_calls.update(course.id, {"metadata": nested(300)}, token)

    assert response.status_code == 422, response.get_body()
    assert course_calls.list_courses().status_code == 200
    assert course_calls.get(course.id).status_code == 200
    assert json_of(course_calls.get(course.id))["metadata"] != nested(300)


@pytest.mark.parametrize(
    "metadata",
    [
        nested(11),
        {f"key{n}": n for n in range(201)},
        {"blob": "x" * 70_000},
    ],
    ids=["too deep", "too many keys", "too large"],
)
def test_metadata_beyond_its_bounds_is_refused_with_422(metadata: dict[str, Any]) -> None:
    owner, token = course_calls.instructor()
    course = make_course(owner)

    response = course_calls.update(course.id, {"metadata": metadata}, token)

    assert response.status_code == 422, response.get_body()


def test_metadata_within_its_bounds_is_stored() -> None:
    owner, token = course_calls.instructor()
    course = make_course(owner)
    metadata = {"level": nested(9), "tags": ["a", "b"], "score": 4.5}

    response = course_calls.update(course.id, {"metadata": metadata}, token)

    assert response.status_code == 200, response.get_body()
    assert json_of(course_calls.get(course.id))["metadata"] == metadata


@pytest.mark.parametrize("depth", [100, 100_000])
@pytest.mark.parametrize(
    ("name", "path"),
    [("auth_login", "/api/v1/auth/login"), ("auth_register", "/api/v1/auth/register")],
)
def test_a_deeply_nested_json_body_is_refused_on_anonymous_routes(
    name: str, path: str, depth: int
) -> None:
    body = b"[" * depth + b"]" * depth

    response = call_http(
        name, "POST", path, body=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422, response.get_body()
    assert "nested" in json_of(response)["detail"][0]["msg"]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1" * 5000, b"1e400"])
def test_numbers_json_cannot_carry_exactly_are_refused(literal: bytes) -> None:
    owner, token = course_calls.instructor()
    course = make_course(owner)
    body = b'{"price": ' + literal + b', "is_free": false}'

    response = call_http(
        "courses_update",
        "PATCH",
        f"/api/v1/courses/{course.id}",
        headers={**bearer(token), "Content-Type": "application/json"},
        body=body,
        route_params={"course_id": str(course.id)},
    )

    assert response.status_code == 422, response.get_body()


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
@pytest.mark.parametrize(
    ("name", "path", "body"),
    [
        ("auth_login", "/api/v1/auth/login", {"email": "a{c}@example.org", "password": "pw{c}"}),
        (
            "auth_register",
            "/api/v1/auth/register",
            {"email": "b@example.org", "full_name": "Bo{c}b", "password": "long-password{c}1"},
        ),
        ("auth_forgot_password", "/api/v1/auth/forgot-password", {"email": "c{c}@example.org"}),
    ],
)
def test_control_characters_in_any_string_are_refused_with_422(
    name: str, path: str, body: dict[str, str], character: str, caplog: pytest.LogCaptureFixture
) -> None:
    filled = {key: value.replace("{c}", character) for key, value in body.items()}

    with caplog.at_level(logging.DEBUG):
        response = call_http(name, "POST", path, json_body=filled)

    assert response.status_code == 422, response.get_body()
    assert "$argon2" not in caplog.text


def test_tabs_and_newlines_stay_allowed_in_text() -> None:
    owner, token = course_calls.instructor()
    course = make_course(owner)

    response = course_calls.update(course.id, {"description": "line one\n\tline two\r\n"}, token)

    assert response.status_code == 200, response.get_body()


@pytest.mark.parametrize(
    ("name", "path", "params"),
    [
        ("courses_list", "/api/v1/courses?search=a%00b", {"search": "a\x00b"}),
        ("courses_get_by_slug", "/api/v1/courses/slug/a%00b", {}),
    ],
)
def test_control_characters_in_queries_and_paths_are_refused(
    name: str, path: str, params: dict[str, str]
) -> None:
    import azure.functions as func

    from tests.function_calls import functions_by_name

    route = {"slug": "a\x00b"} if "slug" in name else {}
    request = func.HttpRequest(
        "GET", "http://localhost" + path, params=params, route_params=route, body=b""
    )

    response = functions_by_name()[name].get_user_function()(request)

    assert response.status_code in (404, 422), response.get_body()


@pytest.mark.parametrize("page", [str(2**62), str(2**70), "10000001"])
def test_page_numbers_are_bounded(page: str) -> None:
    response = course_calls.list_courses(f"?page={page}")

    assert response.status_code == 422, response.get_body()


@pytest.mark.parametrize("value", [b"1e308", b"-1", b"100.5", b"Infinity", b"1e400"])
def test_a_completion_percentage_out_of_range_is_refused(value: bytes) -> None:
    student, token = make_user()
    owner, _ = course_calls.instructor()
    course = make_course(owner, lessons=1)
    enrollment = make_enrollment(student, course)
    lesson = lessons_of(course)[0]

    response = call_http(
        "enrollments_update_progress",
        "PUT",
        f"/api/v1/enrollments/{enrollment.id}/lessons/{lesson.id}/progress",
        headers={**bearer(token), "Content-Type": "application/json"},
        body=b'{"completion_percentage": ' + value + b"}",
        route_params={"enrollment_id": str(enrollment.id), "lesson_id": str(lesson.id)},
    )

    assert response.status_code == 422, response.get_body()


def test_metadata_stored_before_the_bounds_is_kept_and_shown_as_null() -> None:
    owner, _ = course_calls.instructor()
    course = make_course(owner, metadata_=nested(300))

    listed = course_calls.list_courses()
    single = course_calls.get(course.id)

    assert listed.status_code == single.status_code == 200
    assert json_of(single)["metadata"] is None
    assert load(Course, course.id).metadata_ == nested(300)  # nothing lost
