"""Declaring routes: what the Router accepts, and what it refuses at import with a message
saying what to change (so a mistake fails when the app loads, not on the first request)."""

from __future__ import annotations

import re
from typing import Any

import azure.functions as func
import pytest

from shared.http import OPTIONAL, Actor, Router
from shared.http.registry import RouteSpec


def router(registry: dict[str, RouteSpec] | None = None, **options: Any) -> Router:
    return Router(
        func.Blueprint(), "api/v1/t-other", registry={} if registry is None else registry, **options
    )


def test_a_path_with_a_leading_slash_is_refused():
    with pytest.raises(ValueError, match="without a leading '/'"):
        router().get("/slash")


def test_a_second_function_with_the_same_name_is_refused():
    registry: dict[str, RouteSpec] = {}

    def t_other_twice() -> None: ...

    router(registry).get("one")(t_other_twice)
    with pytest.raises(ValueError, match="two HTTP functions are named 't_other_twice'"):
        router(registry).get("two")(t_other_twice)
    assert registry["t_other_twice"].path == "api/v1/t-other/one"


def test_a_name_that_is_not_resource_action_is_refused():
    def Lessons() -> None: ...

    with pytest.raises(ValueError, match="<resource>_<action>"):
        router().get()(Lessons)


def test_a_parameter_the_pipeline_cannot_fill_is_refused_naming_what_it_can():
    def t_other_get(course: str) -> None: ...

    with pytest.raises(ValueError, match="'course' is neither in the route"):
        router().get("{course_id}")(t_other_get)


def test_a_required_actor_on_an_open_route_is_refused():
    def t_other_get(actor: Actor) -> None: ...

    with pytest.raises(ValueError, match=re.escape("declare `actor: Actor | None`")):
        router(access=OPTIONAL).get()(t_other_get)


def test_a_body_must_be_annotated_with_a_model():
    def t_other_create(body: dict[str, Any]) -> None: ...

    with pytest.raises(ValueError, match="annotate `body` with a pydantic model"):
        router().post()(t_other_create)


def test_an_unknown_rate_limit_rule_is_refused():
    with pytest.raises(ValueError, match="is not a rule"):
        router(rate_limit="burst")
