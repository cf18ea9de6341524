"""Route constraints accept what the Functions host accepts, and find shared values exactly."""

from __future__ import annotations

import pytest

from shared.local.route_constraints import (
    Constraint,
    RouteTemplateError,
    example_value,
    parse_constraint,
)

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def constraints(*texts: str) -> list[Constraint]:
    return [parse_constraint(t, "test") for t in texts]


@pytest.mark.parametrize(
    ("constraint", "value", "accepted"),
    [
        ("guid", GUID, True),
        ("guid", GUID.upper(), True),
        ("guid", GUID.replace("-", ""), True),
        ("guid", "{" + GUID + "}", True),
        ("guid", "(" + GUID + ")", True),
        ("guid", GUID[:-1], False),
        ("guid", "my-courses", False),
        ("guid", "urn:uuid:" + GUID, False),
        ("int", "42", True),
        ("int", "-7", True),
        ("int", "+7", True),
        ("int", "007", True),
        ("int", "2147483647", True),
        ("int", "2147483648", False),
        ("int", "4.2", False),
        ("int", "٤٢", False),
        ("long", "2147483648", True),
        ("long", "9223372036854775808", False),
        ("alpha", "Courses", True),
        ("alpha", "my-courses", False),
        ("alpha", "abc1", False),
        ("bool", "True", True),
        ("bool", "yes", False),
        ("maxlength(3)", "abc", True),
        ("maxlength(3)", "abcd", False),
        ("minlength(2)", "a", False),
        ("length(2)", "ab", True),
        ("length(2,3)", "abcd", False),
        ("min(10)", "10", True),
        ("min(10)", "9", False),
        ("max(10)", "11", False),
        ("range(1,5)", "5", True),
        ("range(1,5)", "6", False),
        ("range(1,5)", "x", False),
    ],
)
def test_a_constraint_accepts_what_aspnet_routing_accepts(
    constraint: str, value: str, accepted: bool
) -> None:
    assert parse_constraint(constraint, "test").accepts(value) is accepted


@pytest.mark.parametrize("text", ["regex(^a$)", "datetime", "maxlength", "range(1)", "min(x)"])
def test_an_unsupported_or_malformed_constraint_is_refused_with_the_route_named(
    text: str,
) -> None:
    with pytest.raises(RouteTemplateError, match="api/x"):
        parse_constraint(text, "api/x")


@pytest.mark.parametrize(
    "texts",
    [
        (),
        ("guid",),
        ("int",),
        ("alpha", "minlength(4)"),
        ("guid", "alpha"),  # 32 hex letters: the N format
        ("guid", "int"),  # 32 digits: an N-format guid that int.TryParse reads as a number
        ("guid", "length(36)"),
        ("guid", "length(38)"),
        ("int", "minlength(12)"),  # leading zeros
        ("range(-20,-10)", "maxlength(3)"),
        ("alpha", "bool"),
        ("long", "min(2147483648)"),
    ],
)
def test_example_value_satisfies_every_constraint_when_one_exists(texts: tuple[str, ...]) -> None:
    found = constraints(*texts)
    value = example_value(found)
    assert value is not None
    assert value and all(c.accepts(value) for c in found)


@pytest.mark.parametrize(
    "texts",
    [
        ("maxlength(0)",),  # segments are never empty
        ("alpha", "int"),
        ("bool", "int"),
        ("bool", "guid"),
        ("guid", "maxlength(31)"),
        ("guid", "range(-5,-1)"),
        ("int", "min(2147483648)"),
        ("range(100,200)", "maxlength(2)"),
        ("minlength(3)", "maxlength(2)"),
    ],
)
def test_example_value_is_none_when_no_value_satisfies_them_all(texts: tuple[str, ...]) -> None:
    assert example_value(constraints(*texts)) is None
