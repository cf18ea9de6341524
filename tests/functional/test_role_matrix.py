"""Every HTTP route the app registers, called by every kind of caller.

Driven by the route registry (shared.http.registry.ROUTES) and each route's access rule, so a new
route is covered the day it is added. The access rule decides before anything else runs: an
anonymous caller gets 401 where a token is required, a signed-in caller without the route's
role gets 403, an admin whose setup is not complete gets 403 on ADM+ routes, and an admin whose
setup is complete is never turned away (401/403) by any route.

Each request is plausible but inert: the route's method and path, every route parameter a
fresh id, and `{}` as the body where the route takes one, which the admin's call then fails
with 422 after access was granted, so the matrix changes nothing it would have to undo.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.users import Role
from shared.http.registry import ROUTES, RouteSpec
from shared.local.route_constraints import example_value
from shared.local.route_templates import Literal, Parameter, RouteTemplate
from shared.security.permissions import Access
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, functions_by_name


def app_routes() -> list[RouteSpec]:
    """The routes of the functions the app registers (not routes of test blueprints)."""
    names = functions_by_name()
    return sorted((spec for spec in ROUTES.values() if spec.name in names), key=lambda s: s.name)


def plausible_call(spec: RouteSpec) -> tuple[str, dict[str, str]]:
    """A path the route matches, with fresh ids, and its route parameters."""
    template = RouteTemplate.parse(spec.path)
    segments: list[str] = []
    params: dict[str, str] = {}
    for segment in template.segments:
        if isinstance(segment, Literal):
            segments.append(segment.text)
            continue
        assert isinstance(segment, Parameter)
        if segment.optional:
            break  # only optional parameters may follow; leave them all out
        names = {c.name for c in segment.constraints}
        value = str(uuid.uuid4()) if names <= {"guid"} else example_value(segment.constraints)
        assert value is not None, f"{spec.name}: no value satisfies {segment}"
        segments.append(value)
        params[segment.name] = value
    if template.catch_all is not None:
        segments.append("matrix/probe")
        params[template.catch_all] = "matrix/probe"
    return "/" + "/".join(segments), params


def expected_refusal(access: Access, caller: str) -> int | None:
    """401 or 403 when the access rule turns `caller` away, None when it lets them in."""
    if access.service_token_setting is not None:
        return 401  # a machine's token (METRICS_TOKEN), which no user holds
    if access.authentication != "required":
        return None
    if caller == "anonymous":
        return 401
    role = {"student": Role.STUDENT, "instructor": Role.INSTRUCTOR}.get(caller, Role.ADMIN)
    if access.roles is not None and role not in access.roles:
        return 403
    if caller == "admin without setup" and access.admin_setup_complete:
        return 403
    return None


def _tokens() -> dict[str, str | None]:
    return {
        "anonymous": None,
        "student": make_user(role=Role.STUDENT)[1],
        "instructor": make_user(role=Role.INSTRUCTOR)[1],
        "admin without setup": make_user(role=Role.ADMIN, admin_setup_complete=False)[1],
        "admin": make_user(role=Role.ADMIN, admin_setup_complete=True)[1],
    }


def _call(spec: RouteSpec, token: str | None) -> Any:
    path, params = plausible_call(spec)
    return call_http(
        spec.name,
        spec.method,
        path,
        headers=bearer(token) if token else {},
        json_body={} if spec.body is not None else None,
        route_params=params,
    )


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize("spec", app_routes(), ids=lambda spec: spec.name)
def test_the_access_rule_decides_who_is_turned_away(spec: RouteSpec) -> None:
    problems: list[str] = []
    for caller, token in _tokens().items():
        status = _call(spec, token).status_code
        refusal = expected_refusal(spec.access, caller)
        if refusal is not None and status != refusal:
            problems.append(f"{caller}: expected {refusal}, got {status}")
        if refusal is None and status in (401, 403) and caller == "admin":
            problems.append(f"admin with setup complete: turned away with {status}")
    assert not problems, f"{spec.method} /{spec.path} (access {spec.access}): {problems}"


def test_the_matrix_covers_every_http_function_of_the_app() -> None:
    http_functions = {
        name for name, function in functions_by_name().items() if function.is_http_function()
    }
    assert {spec.name for spec in app_routes()} == http_functions
    assert {"users_list", "admin_create_initial", "instructors_pending"} <= http_functions


@pytest.mark.parametrize(
    "access, caller, refusal",
    [
        (Access("public", "none"), "anonymous", None),
        (Access("authenticated", "required"), "anonymous", 401),
        (Access("authenticated", "required"), "student", None),
        (
            Access("instructor", "required", frozenset({Role.INSTRUCTOR, Role.ADMIN})),
            "student",
            403,
        ),
        (Access("admin+", "required", frozenset({Role.ADMIN}), True), "admin without setup", 403),
        (Access("admin+", "required", frozenset({Role.ADMIN}), True), "admin", None),
        (Access("admin", "required", frozenset({Role.ADMIN})), "admin without setup", None),
        (Access("metrics-token", "none", service_token_setting="METRICS_TOKEN"), "admin", 401),
        (Access("metrics-token", "none", service_token_setting="METRICS_TOKEN"), "anonymous", 401),
    ],
)
def test_expected_refusals_follow_the_access_rule(
    access: Access, caller: str, refusal: int | None
) -> None:
    assert expected_refusal(access, caller) == refusal
