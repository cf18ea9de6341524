"""SQL statements per course request: a page costs the same whatever its size and however
many instructors it shows (no query per course or per instructor)."""

from __future__ import annotations

import pytest

from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.functional.courses.course_calls import instructor
from tests.learning import make_course
from tests.statements import authenticated, counted_statements

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def _list(query: str, token: str | None = None) -> tuple[int, list[str]]:
    headers = bearer(token) if token else {}
    with counted_statements() as statements:
        response = call_http("courses_list", "GET", f"/api/v1/courses{query}", headers=headers)
    assert response.status_code == 200, response.get_body()
    return len(json_of(response)["items"]), statements


def test_a_page_of_twenty_courses_from_five_instructors_costs_what_a_page_of_one_costs() -> None:
    owners = [instructor()[0] for _ in range(5)]
    for index in range(20):
        make_course(owners[index % 5])

    one, one_statements = _list("?page_size=1")
    twenty, twenty_statements = _list("?page_size=20")

    assert (one, twenty) == (1, 20)
    # Rate limit, the page joined to the instructors' names with the total riding along.
    assert len(one_statements) == len(twenty_statements) == 2, twenty_statements


def test_a_signed_in_callers_page_adds_only_the_actor() -> None:
    owner, token = instructor()
    for _ in range(20):
        make_course(owner, published=False)

    count, statements = _list("?mine=true", token)

    assert count == 20
    # Rate limit and actor, the page with its total.
    assert len(statements) == authenticated(3), statements


def test_a_page_past_the_end_still_says_how_many_there_are() -> None:
    owner, _ = instructor()
    for _ in range(3):
        make_course(owner)

    response = call_http("courses_list", "GET", "/api/v1/courses?page=3&page_size=2")

    assert json_of(response) | {"items": []} == {
        "items": [],
        "total": 3,
        "page": 3,
        "page_size": 2,
        "total_pages": 2,
    }


def test_reading_one_course_costs_one_statement_after_the_actor() -> None:
    owner, _ = instructor()
    course = make_course(owner)
    _, token = make_user(role=Role.STUDENT)

    for name, url, params in (
        ("courses_get", f"/api/v1/courses/{course.id}", {"course_id": str(course.id)}),
        ("courses_get_by_slug", f"/api/v1/courses/slug/{course.slug}", {"slug": course.slug}),
    ):
        with counted_statements() as statements:
            response = call_http(name, "GET", url, headers=bearer(token), route_params=params)
        assert response.status_code == 200, response.get_body()
        # Rate limit and actor, the course joined to its instructor's name.
        assert len(statements) == authenticated(3), statements
