"""The route table: one function per method and path, and no ambiguous pair at start-up.

Apps here are real FunctionApps with plain `app.route` registrations; the table reads them
through `get_functions()` exactly as `lms serve` does.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import azure.functions as func
import pytest

from shared.local.route_constraints import RouteTemplateError
from shared.local.route_templates import overlap_example, split_path
from shared.local.routing import (
    AmbiguousRoutesError,
    MethodNotAllowed,
    NotFound,
    RouteMatch,
    RouteTable,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def ok(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


def app_with(*routes: tuple[str, str, list[str] | None]) -> func.FunctionApp:
    """A FunctionApp registering (function name, route, methods) in the order given."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for name, route, methods in routes:

        def handler(req: func.HttpRequest) -> func.HttpResponse:
            return ok(req)

        handler.__name__ = name
        app.function_name(name)(app.route(route=route, methods=methods)(handler))
    return app


ENROLLMENTS = (
    ("enrollments_get", "api/v1/enrollments/{enrollment_id:guid}", ["GET"]),
    ("enrollments_delete", "api/v1/enrollments/{enrollment_id:guid}", ["DELETE"]),
    ("enrollments_mine", "api/v1/enrollments/my-courses", ["GET"]),
    ("root_info", "{root:maxlength(0)?}", ["GET"]),
    ("cors_preflight", "{*path}", ["OPTIONS"]),
)


@pytest.fixture(scope="module")
def table() -> RouteTable:
    return RouteTable.from_app(app_with(*ENROLLMENTS))


def matched_name(table: RouteTable, method: str, path: str) -> str:
    outcome = table.match(method, path)
    assert isinstance(outcome, RouteMatch), outcome
    return outcome.route.name


def test_a_literal_route_and_a_guid_route_each_get_their_own_paths(table: RouteTable) -> None:
    assert matched_name(table, "GET", "/api/v1/enrollments/my-courses") == "enrollments_mine"
    assert matched_name(table, "GET", f"/api/v1/enrollments/{GUID}") == "enrollments_get"
    assert matched_name(table, "DELETE", f"/api/v1/enrollments/{GUID}") == "enrollments_delete"


def test_route_parameters_come_back_by_name(table: RouteTable) -> None:
    outcome = table.match("GET", f"/api/v1/enrollments/{GUID}")
    assert isinstance(outcome, RouteMatch)
    assert outcome.params == {"enrollment_id": GUID}


def test_slash_is_served_by_the_root_route_only(table: RouteTable) -> None:
    assert matched_name(table, "GET", "/") == "root_info"
    assert isinstance(table.match("GET", "/anything"), NotFound)


def test_a_known_path_with_another_method_is_405_listing_the_allowed_methods(
    table: RouteTable,
) -> None:
    assert table.match("POST", f"/api/v1/enrollments/{GUID}") == MethodNotAllowed(("DELETE", "GET"))
    assert table.match("DELETE", "/api/v1/enrollments/my-courses") == MethodNotAllowed(("GET",))


def test_a_path_only_the_preflight_catch_all_matches_is_unknown(table: RouteTable) -> None:
    assert isinstance(table.match("GET", "/api/v1/nothing-here"), NotFound)
    assert isinstance(table.match("GET", "/api/v1/enrollments/not-a-guid"), NotFound)


def test_options_reaches_the_preflight_function_on_any_path(table: RouteTable) -> None:
    assert matched_name(table, "OPTIONS", "/api/v1/nothing-here") == "cors_preflight"
    assert matched_name(table, "OPTIONS", "/") == "cors_preflight"


def test_a_route_without_methods_accepts_every_method() -> None:
    table = RouteTable.from_app(app_with(("hook", "hooks/{name:alpha}", None)))
    assert matched_name(table, "PATCH", "/hooks/github") == "hook"


def test_a_route_without_a_route_is_served_at_its_function_name() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.function_name("ping")(app.route(methods=["GET"])(ok))
    assert matched_name(RouteTable.from_app(app), "GET", "/ping") == "ping"


def test_the_route_prefix_is_put_before_every_route() -> None:
    table = RouteTable.from_app(app_with(*ENROLLMENTS), route_prefix="api")
    assert matched_name(table, "GET", "/api/api/v1/enrollments/my-courses") == "enrollments_mine"
    assert matched_name(table, "GET", "/api") == "root_info"
    assert isinstance(table.match("GET", "/"), NotFound)


def test_an_unconstrained_id_next_to_a_literal_is_refused_naming_both_and_a_path() -> None:
    with pytest.raises(AmbiguousRoutesError) as caught:
        RouteTable.from_app(
            app_with(
                ("enrollments_get", "api/v1/enrollments/{enrollment_id}", ["GET"]),
                ("enrollments_mine", "api/v1/enrollments/my-courses", ["GET"]),
            )
        )
    message = str(caught.value)
    assert "GET /api/v1/enrollments/my-courses matches both" in message
    assert "enrollments_get (GET /api/v1/enrollments/{enrollment_id})" in message
    assert "enrollments_mine (GET /api/v1/enrollments/my-courses)" in message
    assert "{id:guid}" in message


def test_ambiguity_is_found_whatever_order_the_functions_were_registered_in() -> None:
    routes = [
        ("a_show", "items/{item}", ["GET"]),
        ("b_new", "items/new", ["GET"]),
        ("c_other", "other", ["GET"]),
    ]
    messages = set()
    for order in itertools.permutations(routes):
        with pytest.raises(AmbiguousRoutesError) as caught:
            RouteTable.from_app(app_with(*order))
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_overlapping_routes_without_a_common_method_are_fine() -> None:
    table = RouteTable.from_app(
        app_with(
            ("items_show", "items/{item}", ["GET"]),
            ("items_create", "items/new", ["POST"]),
        )
    )
    assert matched_name(table, "POST", "/items/new") == "items_create"
    assert matched_name(table, "GET", "/items/new") == "items_show"


def test_a_route_accepting_every_method_conflicts_with_any_overlapping_route() -> None:
    with pytest.raises(AmbiguousRoutesError, match=r"POST /items/new"):
        RouteTable.from_app(
            app_with(("items_any", "items/{item}", None), ("items_create", "items/new", ["POST"]))
        )


def test_every_ambiguous_pair_is_reported_at_once() -> None:
    with pytest.raises(AmbiguousRoutesError) as caught:
        RouteTable.from_app(
            app_with(
                ("x_param", "x/{id}", ["GET"]),
                ("x_literal", "x/new", ["GET"]),
                ("y_catch_all", "y/{*rest}", ["GET"]),
                ("y_file", "y/files/{name}", ["GET"]),
            )
        )
    assert len(caught.value.conflicts) == 2


def test_a_route_the_host_cannot_serve_is_refused_naming_the_function() -> None:
    with pytest.raises(RouteTemplateError, match="files_get"):
        RouteTable.from_app(app_with(("files_get", "files/{name}.{ext}", ["GET"])))


def fresh_project_app() -> func.FunctionApp:
    """function_app.py run again as its own module: FunctionApp.get_functions() may be called
    only once per app (a second call raises "does not have a unique function name"), so the
    shared `function_app.app` is left for whoever else needs it."""
    spec = importlib.util.spec_from_file_location(
        "function_app_for_routing_test", REPO_ROOT / "function_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: func.FunctionApp = module.app
    return app


def test_the_project_app_builds_without_ambiguous_routes() -> None:
    table = RouteTable.from_app(fresh_project_app())
    http_functions = {
        f.get_function_name() for f in fresh_project_app().get_functions() if f.is_http_function()
    }
    assert {route.name for route in table.routes} == http_functions
    assert matched_name(table, "GET", "/api/v1/health") == "health_check"
    assert matched_name(table, "GET", "/") == "root_info"


def test_every_project_route_is_found_as_by_trying_all_routes_in_turn() -> None:
    """The table tries only the routes a path's leading literals and length allow: for a path
    of every shape of every route (and the same upper-cased, and one segment longer), it
    finds what trying every route in turn finds."""
    table = RouteTable.from_app(fresh_project_app())
    paths = set()
    for route in table.routes:
        for shape in route.template.shapes:
            example = overlap_example(shape, shape)  # None: no path (root's "{root:maxlength(0)}")
            if example is not None:
                paths |= {example, example.upper(), f"{example.rstrip('/')}/more"}
    assert len(paths) > 300
    paths |= {"/", "/api", "/API/V1", "/api/v1/courses/", "/nowhere/at/all"}
    for path, method in itertools.product(sorted(paths), ("GET", "POST", "OPTIONS")):
        segments = split_path(path)
        expected = [
            route
            for route in table.routes
            if route.accepts(method) and route.template.match(segments) is not None
        ]
        outcome = table.match(method, path)
        found = [outcome.route] if isinstance(outcome, RouteMatch) else []
        assert found == expected[:1], (method, path)
