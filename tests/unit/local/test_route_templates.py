"""Route templates parse, match paths, and tell whether two of them can match one path."""

from __future__ import annotations

import pytest

from shared.local.route_constraints import RouteTemplateError
from shared.local.route_templates import RouteTemplate, overlap_example, split_path

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def match(template: str, path: str) -> dict[str, str] | None:
    return RouteTemplate.parse(template).match(split_path(path))


def overlap(a: str, b: str) -> str | None:
    """A path both templates match, found from their shapes (None: they never collide)."""
    for shape_a in RouteTemplate.parse(a).shapes:
        for shape_b in RouteTemplate.parse(b).shapes:
            example = overlap_example(shape_a, shape_b)
            if example is not None:
                # the example is real: both templates match it
                assert match(a, example) is not None, (a, example)
                assert match(b, example) is not None, (b, example)
                return example
    return None


def test_split_path_ignores_one_trailing_slash_and_decodes_each_segment() -> None:
    assert split_path("/") == []
    assert split_path("") == []
    assert split_path("/api/v1/health/") == ["api", "v1", "health"]
    assert split_path("/files/a%2Fb/x%20y") == ["files", "a/b", "x y"]


def test_literal_segments_match_ignoring_case() -> None:
    assert match("api/v1/health", "/API/V1/Health") == {}
    assert match("api/v1/health", "/api/v1/healthz") is None
    assert match("api/v1/health", "/api/v1") is None


def test_parameters_are_returned_decoded_by_name() -> None:
    assert match("api/v1/courses/{course_id:guid}", f"/api/v1/courses/{GUID}") == {
        "course_id": GUID
    }
    assert match("files/{name}", "/files/report%20final.pdf") == {"name": "report final.pdf"}


def test_a_constrained_parameter_rejects_what_its_constraint_rejects() -> None:
    assert (
        match("api/v1/enrollments/{enrollment_id:guid}", "/api/v1/enrollments/my-courses") is None
    )
    assert match("lessons/{position:int}", "/lessons/3") == {"position": "3"}
    assert match("lessons/{position:int}", "/lessons/three") is None
    assert match("tags/{tag:alpha:maxlength(5)}", "/tags/python") is None


def test_the_root_template_serves_slash_and_nothing_else() -> None:
    assert match("{root:maxlength(0)?}", "/") == {}
    assert match("{root:maxlength(0)?}", "") == {}
    assert match("{root:maxlength(0)?}", "/x") is None
    assert match("{root:maxlength(0)?}", "/api/v1/health") is None


def test_an_optional_parameter_may_be_left_out() -> None:
    assert match("reports/{year:int?}", "/reports") == {}
    assert match("reports/{year:int?}", "/reports/2024") == {"year": "2024"}
    assert match("reports/{year:int?}", "/reports/latest") is None
    assert match("a/{b?}/{c?}", "/a/1/2") == {"b": "1", "c": "2"}


def test_a_catch_all_takes_the_rest_of_the_path_including_nothing() -> None:
    assert match("{*path}", "/") == {"path": ""}
    assert match("{*path}", "/api/v1/x/y") == {"path": "api/v1/x/y"}
    assert match("static/{**rest}", "/static") == {"rest": ""}
    assert match("static/{**rest}", "/static/css/site.css") == {"rest": "css/site.css"}
    assert match("static/{*rest}", "/other/css") is None


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("files/{name}.{ext}", "exactly one"),
        ("a//b", "must be a literal"),
        ("{*rest}/more", "last segment"),
        ("{id}/{ID}", "appears twice"),
        ("a/{b?}/c", "only optional parameters"),
        ("{b?}/{*rest}", "cannot precede a catch-all"),
        ("{page=1}", "default values"),
        ("{id:regex(^\\d+$)}", "does not implement"),
        ("{*rest:int}", "no constraint"),
    ],
)
def test_a_template_the_local_host_cannot_serve_faithfully_is_refused(
    template: str, complaint: str
) -> None:
    with pytest.raises(RouteTemplateError, match=complaint):
        RouteTemplate.parse(template)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("api/v1/enrollments/my-courses", "api/v1/enrollments/{enrollment_id}"),
        ("api/v1/Courses", "api/v1/courses"),
        ("users/{id}", "users/{name:alpha}"),
        ("users/{id:int}", "users/{n:range(1,10)}"),
        ("users/{id:guid}", "users/{key:maxlength(40)}"),
        ("users/{id:guid}", "users/{slug:alpha}"),  # 32 letters a-f is an N-format guid
        ("users/{id:guid}", "users/{n:int}"),  # 32 digits is both
        ("reports/{year?}", "reports"),
        ("reports/{year:int?}", "reports/{name:alpha?}"),  # both match /reports
        ("static/{*rest}", "static/css/{file}"),
        ("static/{*rest}", "static"),
        ("{*path}", "api/v1/health"),
        ("{*path}", "{root:maxlength(0)?}"),
        ("a/{*x}", "{b}/{*y}"),
    ],
)
def test_templates_that_can_match_one_path_overlap(a: str, b: str) -> None:
    assert overlap(a, b) is not None
    assert overlap(b, a) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("api/v1/enrollments/my-courses", "api/v1/enrollments/{enrollment_id:guid}"),
        ("users/{id:guid}", "users/{id:guid}/courses"),
        ("users/{id:int}", "users/{slug:alpha}"),
        ("users/{id:bool}", "users/{n:int}"),
        ("users/{n:range(1,5)}", "users/{m:min(6)}"),
        ("users/me", "users/{name:minlength(3):maxlength(2)}"),
        ("users/{name:maxlength(1)}", "users/me"),
        ("{root:maxlength(0)?}", "api/v1/health"),
        ("{root:maxlength(0)?}", "{id}/x"),
        ("static/{*rest}", "assets/{file}"),
        ("static/{*rest}", "sta"),
        ("reports/{year:int?}", "reports/latest"),
        ("a/b/c", "a/b"),
    ],
)
def test_templates_that_no_path_can_match_both_do_not_overlap(a: str, b: str) -> None:
    assert overlap(a, b) is None
    assert overlap(b, a) is None
