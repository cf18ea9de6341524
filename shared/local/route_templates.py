"""Azure route templates: parse one, match a path against it, and tell whether two can collide.

    api/v1/courses/{course_id:guid}/lessons/{position:int}
    {root:maxlength(0)?}          "/" only: an optional parameter that must be empty
    {*path}                       any path, "/" included (a catch-all is implicitly optional)

Literal segments compare case-insensitively, as ASP.NET Core routing does. An optional
parameter may only be followed by other optional parameters, so a template with k of them
is k + 1 fixed-length shapes; the ambiguity check compares shapes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import zip_longest
from urllib.parse import unquote

from shared.local.route_constraints import (
    Constraint,
    RouteTemplateError,
    example_value,
    parse_constraint,
)

_PARAMETER = re.compile(r"^\{(\*{0,2})([A-Za-z_][A-Za-z0-9_]*)((?::[^:{}?]+)*)(\?)?\}$")


@dataclass(frozen=True)
class Literal:
    text: str

    def __str__(self) -> str:
        return self.text

    def matches(self, value: str) -> bool:
        return value.lower() == self.text.lower()


@dataclass(frozen=True)
class Parameter:
    name: str
    constraints: tuple[Constraint, ...] = ()
    optional: bool = False

    def __str__(self) -> str:
        inner = "".join(f":{c}" for c in self.constraints)
        return f"{{{self.name}{inner}{'?' if self.optional else ''}}}"

    def matches(self, value: str) -> bool:
        return value != "" and all(c.accepts(value) for c in self.constraints)


Segment = Literal | Parameter


@dataclass(frozen=True)
class CatchAll:
    """`{*rest}` or `{**rest}`: the rest of the path, possibly empty. Only ever last."""

    name: str


@dataclass(frozen=True)
class Shape:
    """A fixed number of segments, optionally followed by a catch-all taking the rest."""

    segments: tuple[Segment, ...]
    catch_all: str | None = None


def split_path(path: str) -> list[str]:
    """'/api/v1/x%20y/' -> ['api', 'v1', 'x y']: one trailing slash ignored, segments decoded."""
    path = path.lstrip("/")
    if path.endswith("/"):
        path = path[:-1]
    return [unquote(part) for part in path.split("/")] if path else []


@dataclass(frozen=True)
class RouteTemplate:
    text: str
    segments: tuple[Segment, ...]
    catch_all: str | None = None

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> RouteTemplate:
        parts = text.strip("/").split("/") if text.strip("/") else []
        segments: list[Segment] = []
        catch_all: str | None = None
        names: set[str] = set()
        for index, part in enumerate(parts):
            if catch_all is not None:
                raise RouteTemplateError(f"route {text!r}: a catch-all must be the last segment")
            segment = _parse_segment(part, index, text)
            if not isinstance(segment, Literal):
                if segment.name.lower() in names:
                    raise RouteTemplateError(
                        f"route {text!r}: parameter {segment.name!r} appears twice"
                    )
                names.add(segment.name.lower())
            after_optional = any(isinstance(s, Parameter) and s.optional for s in segments)
            if isinstance(segment, CatchAll):
                if after_optional:
                    raise RouteTemplateError(
                        f"route {text!r}: an optional parameter cannot precede a catch-all"
                    )
                catch_all = segment.name
            elif after_optional and not (isinstance(segment, Parameter) and segment.optional):
                raise RouteTemplateError(
                    f"route {text!r}: only optional parameters may follow an optional parameter"
                )
            else:
                segments.append(segment)
        return cls(text, tuple(segments), catch_all)

    @functools.cached_property
    def shapes(self) -> list[Shape]:
        """The segment lists this template matches (one per count of optional parameters);
        computed once, since every request tries it."""
        required = sum(1 for s in self.segments if not (isinstance(s, Parameter) and s.optional))
        if self.catch_all is not None:
            return [Shape(self.segments, self.catch_all)]
        return [Shape(self.segments[:n]) for n in range(required, len(self.segments) + 1)]

    def match(self, path_segments: list[str]) -> dict[str, str] | None:
        """The route parameters when the (decoded) path segments match, else None."""
        for shape in self.shapes:
            fixed = len(shape.segments)
            if len(path_segments) < fixed:
                continue
            if shape.catch_all is None and len(path_segments) != fixed:
                continue
            params: dict[str, str] = {}
            for segment, value in zip(shape.segments, path_segments, strict=False):
                if not segment.matches(value):
                    break
                if isinstance(segment, Parameter):
                    params[segment.name] = value
            else:
                if shape.catch_all is not None:
                    params[shape.catch_all] = "/".join(path_segments[fixed:])
                return params
        return None

    def refused_parameters(self, path_segments: list[str]) -> list[Parameter] | None:
        """The parameters whose constraints alone keep this template from matching the path
        (None when it does not match even without them, or when it matches)."""
        for shape in self.shapes:
            fixed = len(shape.segments)
            if len(path_segments) < fixed or (
                shape.catch_all is None and len(path_segments) != fixed
            ):
                continue
            refused: list[Parameter] = []
            for segment, value in zip(shape.segments, path_segments, strict=False):
                if isinstance(segment, Literal) and not segment.matches(value):
                    break
                if isinstance(segment, Parameter) and not segment.matches(value):
                    if value == "":
                        break
                    refused.append(segment)
            else:
                if refused:
                    return refused
        return None


def _parse_segment(part: str, index: int, text: str) -> Segment | CatchAll:
    if (
        not part
        or part.count("{") + part.count("}") not in (0, 2)
        or ("{" in part and not (part.startswith("{") and part.endswith("}")))
    ):
        raise RouteTemplateError(
            f"route {text!r}: segment {index + 1} ({part!r}) must be a literal or exactly one "
            "{parameter}; mixed segments are not supported here"
        )
    if "{" not in part:
        return Literal(part)
    match = _PARAMETER.match(part)
    if match is None:
        raise RouteTemplateError(
            f"route {text!r}: cannot read {part!r}; write {{name}}, {{name:constraint}}, "
            "{name?} or {*name} (default values are not supported)"
        )
    stars, name, raw_constraints, optional = match.groups()
    if stars:
        if raw_constraints or optional:
            raise RouteTemplateError(
                f"route {text!r}: a catch-all takes no constraint and is already optional"
            )
        return CatchAll(name)
    constraints = tuple(parse_constraint(c, text) for c in raw_constraints.split(":")[1:])
    return Parameter(name, constraints, optional=bool(optional))


def _common_value(a: Segment, b: Segment) -> str | None:
    if isinstance(a, Literal) and isinstance(b, Literal):
        return a.text if a.matches(b.text) else None
    if isinstance(a, Literal):
        return a.text if b.matches(a.text) else None
    if isinstance(b, Literal):
        return b.text if a.matches(b.text) else None
    return example_value(a.constraints + b.constraints)


def _any_value(segment: Segment) -> str | None:
    return segment.text if isinstance(segment, Literal) else example_value(segment.constraints)


def overlap_example(a: Shape, b: Shape) -> str | None:
    """A path both shapes match, or None when no path can match both.

    Segment by segment both must admit one value; where one shape is longer, the other's
    catch-all must be there to absorb the extra segments, which must still be satisfiable.
    With equal lengths a catch-all matches too: its rest is empty.
    """
    len_a, len_b = len(a.segments), len(b.segments)
    if len_a != len_b:
        shorter = a if len_a < len_b else b
        if shorter.catch_all is None:
            return None
    values: list[str] = []
    for seg_a, seg_b in zip_longest(a.segments, b.segments):
        value = (
            _common_value(seg_a, seg_b)
            if seg_a is not None and seg_b is not None
            else _any_value(seg_a if seg_a is not None else seg_b)
        )
        if value is None:
            return None
        values.append(value)
    return "/" + "/".join(values)
