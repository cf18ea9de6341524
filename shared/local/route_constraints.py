"""Route parameter constraints, applied the way the Functions host (ASP.NET Core routing) does.

`{id:guid}` accepts what .NET's Guid.TryParse accepts (the D, N, B and P formats), `{n:int}`
what int.TryParse accepts (a sign, any number of leading zeros, 32-bit range), and so on. The
ambiguity check also needs the converse: one value that a set of constraints all accept.
`example_value` finds it exactly for the constraints implemented here, or proves there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

_HEX_D = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"^(?:[0-9a-fA-F]{{32}}|{_HEX_D}|\{{{_HEX_D}\}}|\({_HEX_D}\))$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_ALPHA = re.compile(r"^[a-zA-Z]*$")
_CALL = re.compile(r"^([a-z]+)(?:\(([^()]*)\))?$")

# name -> how many integer arguments it takes
_ARITY: dict[str, tuple[int, ...]] = {
    "guid": (0,),
    "int": (0,),
    "long": (0,),
    "alpha": (0,),
    "bool": (0,),
    "minlength": (1,),
    "maxlength": (1,),
    "length": (1, 2),
    "min": (1,),
    "max": (1,),
    "range": (2,),
}
_NUMERIC = frozenset({"int", "long", "min", "max", "range"})


class RouteTemplateError(ValueError):
    """A route template the local host cannot serve the way Azure would."""


@dataclass(frozen=True)
class Constraint:
    name: str
    args: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}({','.join(map(str, self.args))})" if self.args else self.name

    def accepts(self, value: str) -> bool:
        name = self.name
        if name == "guid":
            return bool(_GUID.match(value))
        if name == "alpha":
            return bool(_ALPHA.match(value))
        if name == "bool":
            return value.lower() in ("true", "false")
        if name in ("minlength", "maxlength", "length"):
            low, high = _length_bounds(self)
            return low <= len(value) <= high
        if name in _NUMERIC:
            if not _INTEGER.match(value):
                return False
            low, high = _numeric_bounds(self)
            return low <= int(value) <= high
        raise AssertionError(name)  # parse_constraint admits no other name


def parse_constraint(text: str, template: str) -> Constraint:
    """`maxlength(5)` -> Constraint("maxlength", (5,)); unknown or malformed ones are refused."""
    match = _CALL.match(text.strip().lower())
    supported = ", ".join(_ARITY)
    if match is None or match.group(1) not in _ARITY:
        raise RouteTemplateError(
            f"route {template!r}: the local host does not implement the constraint {text!r}; "
            f"use one of {supported} (or add it to shared/local/route_constraints.py)"
        )
    name, raw_args = match.group(1), match.group(2)
    try:
        args = tuple(int(a) for a in raw_args.split(",")) if raw_args else ()
    except ValueError:
        raise RouteTemplateError(
            f"route {template!r}: {text!r} takes whole numbers as arguments"
        ) from None
    if len(args) not in _ARITY[name]:
        raise RouteTemplateError(
            f"route {template!r}: {name} takes {' or '.join(map(str, _ARITY[name]))} argument(s)"
        )
    return Constraint(name, args)


def _length_bounds(constraint: Constraint) -> tuple[int, float]:
    name, args = constraint.name, constraint.args
    if name == "minlength":
        return args[0], float("inf")
    if name == "maxlength":
        return 0, args[0]
    return (args[0], args[0]) if len(args) == 1 else (args[0], args[1])


def _numeric_bounds(constraint: Constraint) -> tuple[int, int]:
    # min, max and range parse the value as a 64-bit integer first, like int and long do.
    name, args = constraint.name, constraint.args
    if name == "int":
        return INT32
    if name == "min":
        return max(args[0], INT64[0]), INT64[1]
    if name == "max":
        return INT64[0], min(args[0], INT64[1])
    if name == "range":
        return max(args[0], INT64[0]), min(args[1], INT64[1])
    return INT64


def _closest_to_zero(low: int, high: int) -> int:
    return 0 if low <= 0 <= high else (low if low > 0 else high)


def _candidates(constraints: Sequence[Constraint]) -> Iterable[str]:
    """Values that, between them, include one every constraint accepts whenever one exists.

    A segment is never empty, so lengths start at 1. bool admits only true/false; guid only its
    four shapes (32, 36 and 38 characters), all digits when a number is also required; numbers
    can be padded with leading zeros to any length, so the one nearest zero is the shortest.
    """
    names = {c.name for c in constraints}
    min_length = max([1] + [int(_length_bounds(c)[0]) for c in constraints if "length" in c.name])
    numeric = bool(names & _NUMERIC)
    low, high = INT64
    for c in constraints:
        if c.name in _NUMERIC:
            c_low, c_high = _numeric_bounds(c)
            low, high = max(low, c_low), min(high, c_high)
    if "bool" in names:
        yield from ("true", "false")
    elif "guid" in names:
        if numeric:
            if high >= 0:
                yield str(max(low, 0)).zfill(32)
        else:
            zero = "00000000-0000-0000-0000-000000000000"
            yield from ("0" * 32, "a" * 32, zero, "{" + zero + "}", "(" + zero + ")")
    elif numeric:
        if low <= high:
            number = _closest_to_zero(low, high)
            sign = "-" if number < 0 else ""
            yield sign + str(abs(number)).zfill(max(min_length - len(sign), 1))
    else:
        yield "a" * min_length


def example_value(constraints: Sequence[Constraint]) -> str | None:
    """One non-empty value every constraint accepts, or None when no value satisfies them all."""
    for candidate in _candidates(constraints):
        if all(c.accepts(candidate) for c in constraints):
            return candidate
    return None
