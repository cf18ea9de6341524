"""The route table of the local host: which HTTP function serves a method and path.

Azure does not pick the most specific route: it tries functions in alphabetical order of name
(Azure/azure-functions-host#9876), so two routes that can match one path (with a method in
common) behave differently in Azure than on a laptop. The table refuses to be built with such
a pair, naming both functions and a path they share; then the order never matters, here or
there, and `match` finds at most one function for any method and path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import azure.functions as func

from shared.local.app_functions import HttpFunction, functions_of
from shared.local.route_constraints import RouteTemplateError
from shared.local.route_templates import (
    Literal,
    Parameter,
    RouteTemplate,
    overlap_example,
    split_path,
)

ANY_METHOD = "*"
_INDEXED_SEGMENTS = 3


class AmbiguousRoutesError(ValueError):
    """Two HTTP functions with a method in common can match one path."""

    def __init__(self, conflicts: list[str]) -> None:
        self.conflicts = conflicts
        lines = "\n".join(f"  - {c}" for c in conflicts)
        super().__init__(
            f"Ambiguous HTTP routes; Azure would pick by function name, not by route:\n{lines}\n"
            "Constrain the parameter (ids are UUIDs: {id:guid}) or change one of the routes."
        )


@dataclass(frozen=True, repr=False)
class Route:
    function: HttpFunction
    template: RouteTemplate

    def __repr__(self) -> str:
        return f"Route({self.describe()})"

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def methods(self) -> frozenset[str] | None:
        return self.function.methods

    def accepts(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods

    @property
    def is_preflight_fallback(self) -> bool:
        # An OPTIONS-only catch-all answers CORS preflights for every path; a path it alone
        # matches is still unknown, or every mistyped URL would be a 405.
        return self.template.catch_all is not None and self.methods == frozenset({"OPTIONS"})

    def describe(self) -> str:
        methods = ",".join(sorted(self.methods)) if self.methods else ANY_METHOD
        return f"{self.name} ({methods} /{self.template})"


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class NotFound:
    # What would have matched: "course_id must be a UUID" when only a constraint refused it.
    hint: str = ""


def _requirement(parameter: Parameter) -> str:
    if any(c.name == "guid" for c in parameter.constraints):
        return f"{parameter.name} must be a UUID (like 3fa85f64-5717-4562-b3fc-2c963f66afa6)"
    constraints = ", ".join(map(str, parameter.constraints))
    return f"{parameter.name} must satisfy the route constraint {constraints}"


def _common_methods(a: Route, b: Route) -> list[str]:
    if a.methods is None or b.methods is None:
        common = a.methods or b.methods
        return sorted(common) if common else [ANY_METHOD]
    return sorted(a.methods & b.methods)


def _conflicts(routes: list[Route]) -> list[str]:
    conflicts = []
    ordered = sorted(routes, key=lambda r: r.name)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            methods = _common_methods(a, b)
            if not methods:
                continue
            example = next(
                (
                    path
                    for shape_a in a.template.shapes
                    for shape_b in b.template.shapes
                    if (path := overlap_example(shape_a, shape_b)) is not None
                ),
                None,
            )
            if example is not None:
                conflicts.append(
                    f"{'/'.join(methods)} {example} matches both {a.describe()} and {b.describe()}"
                )
    return conflicts


class RouteTable:
    def __init__(self, functions: Iterable[HttpFunction], *, route_prefix: str = "") -> None:
        prefix = route_prefix.strip("/")
        self.route_prefix = prefix
        routes = []
        for function in functions:
            text = f"{prefix}/{function.route}" if prefix else function.route
            try:
                template = RouteTemplate.parse(text)
            except RouteTemplateError as exc:
                raise RouteTemplateError(f"{function.name}: {exc}") from None
            routes.append(Route(function, template))
        conflicts = _conflicts(routes)
        if conflicts:
            raise AmbiguousRoutesError(conflicts)
        self.routes: tuple[Route, ...] = tuple(sorted(routes, key=lambda r: r.name))
        # Each route under its leading literal segments (up to three: "api/v1/courses") and
        # each count of segments it matches (None: any count, a catch-all), so a request tries
        # the few routes its path could match (~6 here) instead of all of them (~55, 20-60 µs
        # a request). With no two routes able to match one method and path, the order they
        # are tried in does not matter.
        self._index: dict[tuple[tuple[str, ...], int | None], list[Route]] = {}
        for route in self.routes:
            literals = _literal_prefix(route.template)
            counts = {
                None if shape.catch_all is not None else len(shape.segments)
                for shape in route.template.shapes
            }
            for count in counts:
                self._index.setdefault((literals, count), []).append(route)

    @classmethod
    def from_app(cls, app: func.FunctionApp, *, route_prefix: str = "") -> RouteTable:
        return cls(functions_of(app).http, route_prefix=route_prefix)

    def __len__(self) -> int:
        return len(self.routes)

    def __repr__(self) -> str:
        return f"RouteTable({', '.join(r.describe() for r in self.routes)})"

    def match(self, method: str, path: str) -> RouteMatch | MethodNotAllowed | NotFound:
        """The function for `method` on the raw (still percent-encoded) `path`."""
        segments = split_path(path)
        matched: list[tuple[Route, dict[str, str]]] = []
        for route in self._candidates(segments):
            params = route.template.match(segments)
            if params is not None:
                if route.accepts(method):
                    return RouteMatch(route, params)
                matched.append((route, params))
        known = [route for route, _ in matched if not route.is_preflight_fallback]
        if not known:
            return NotFound(self._hint(method, segments))
        allowed: set[str] = set()
        for route in known:
            allowed |= route.methods or set()
        return MethodNotAllowed(tuple(sorted(allowed)))

    def _candidates(self, segments: list[str]) -> Iterator[Route]:
        """The routes whose leading literals the path begins with, of its length or a
        catch-all."""
        leading = tuple(segment.lower() for segment in segments[:_INDEXED_SEGMENTS])
        for n in range(len(leading) + 1):
            yield from self._index.get((leading[:n], len(segments)), ())
            yield from self._index.get((leading[:n], None), ())

    def _hint(self, method: str, segments: list[str]) -> str:
        """Why a path that a route would serve but for a parameter's constraint is refused."""
        for route in self.routes:
            if route.is_preflight_fallback or not route.accepts(method):
                continue
            refused = route.template.refused_parameters(segments)
            if refused:
                return "; ".join(_requirement(parameter) for parameter in refused)
        return ""


def _literal_prefix(template: RouteTemplate) -> tuple[str, ...]:
    """The template's leading literal segments, lower-cased (literals match in any case), at
    most _INDEXED_SEGMENTS of them."""
    prefix: list[str] = []
    for segment in template.segments[:_INDEXED_SEGMENTS]:
        if not isinstance(segment, Literal):
            break
        prefix.append(segment.text.lower())
    return tuple(prefix)
