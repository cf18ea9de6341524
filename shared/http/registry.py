"""Declaring routes: a Router per blueprint, and the registry every route is recorded in.

    api = Router(bp, "api/v1/courses", access=AUTHENTICATED)

    @api.post("", access=INSTRUCTOR, status=201)
    def courses_create(actor: Actor, body: CourseCreate, uow: UnitOfWork) -> CourseOut:
        \"\"\"Create a draft course owned by the caller.\"\"\"
        return courses.create_course(uow, actor, body)

The function's name is the Function's name; its parameters say what the pipeline hands it
(see `INJECTED`, and the route's own `{parameters}` as strings); `body`, `query` and `form`
are parsed into their annotated pydantic models; the return annotation is the response model
(`WithStatus[Model]` for a route that answers 201 or 200, `None` for no body,
`func.HttpResponse` for a response built by hand). The decorated function stays a plain
function, and every route is recorded in ROUTES with who may call it, so the OpenAPI
document, the contract tests and the access tests read one list.

Every route is rate limited under its router's rule ("default" unless it says otherwise);
`rate_limit=None` exempts a route (health, preflight).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import azure.functions as func
from pydantic import BaseModel

from shared.http.rendering import WithStatus
from shared.security.permissions import PUBLIC, Access, Actor
from shared.security.rate_limits import DEFAULT_RULE, RULE_NAMES

F = TypeVar("F", bound=Callable[..., Any])
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# What the pipeline can hand a route function, by parameter name.
INJECTED = {
    "request": "the Request (headers, client IP, request id)",
    "actor": "the caller: annotate `Actor` where the route needs a token, `Actor | None` if not",
    "body": "the JSON body, parsed into the annotated model",
    "query": "the query string, parsed into the annotated model",
    "form": "a form-encoded body, parsed into the annotated model",
    "uow": "a UnitOfWork, open for the call and rolled back unless the function commits",
    "deps": "the Dependencies (settings, clock, password hasher, broker, ...)",
    "settings": "the Settings",
}
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_TEMPLATE_PARAMETER = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)")
_INHERIT: Any = object()


@dataclass(frozen=True)
class RouteSpec:
    name: str
    method: str
    path: str
    access: Access
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    form: type[BaseModel] | None
    response: type[BaseModel] | None
    summary: str
    max_body_bytes: int | None
    rate_limit: str | None  # a rule of shared.security.rate_limits; None: exempt
    parameters: tuple[str, ...] = field(default=())  # what the function takes, in order
    # Other statuses the route answers with its response body: an idempotent create's 200,
    # readiness's 503. The OpenAPI document lists them beside `status`.
    other_statuses: tuple[int, ...] = field(default=())
    # False for the routes that serve the documentation itself and the CORS preflight.
    in_schema: bool = True
    # What a route that builds its response by hand answers with (a PDF download, say);
    # None: JSON. A 3xx in other_statuses is a redirect to where the content is.
    media_type: str | None = None
    # A route that parses a multipart form itself (an upload): the form's text fields; its
    # file goes in a part named `file`. Only documents the request (OpenAPI).
    multipart: type[BaseModel] | None = None

    @property
    def read_only(self) -> bool:
        """GET and HEAD are safe (RFC 9110 §9.2.1): their unit of work cannot write."""
        return self.method in ("GET", "HEAD")

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(_TEMPLATE_PARAMETER.findall(self.path))


ROUTES: dict[str, RouteSpec] = {}


class Router:
    """The routes of one blueprint: a path prefix, and the access rule and rate limit they
    share unless a route says otherwise."""

    def __init__(
        self,
        bp: func.Blueprint,
        prefix: str = "",
        *,
        access: Access = PUBLIC,
        rate_limit: str | None = DEFAULT_RULE,
        registry: dict[str, RouteSpec] | None = None,
    ) -> None:
        if prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError(f"write the prefix without leading or trailing '/': {prefix!r}")
        _check_rule(prefix or "router", rate_limit)
        self.bp = bp
        self.prefix = prefix
        self.access = access
        self.rate_limit = rate_limit
        self.registry = ROUTES if registry is None else registry

    def __repr__(self) -> str:
        return f"Router({self.prefix!r}, access={self.access}, rate_limit={self.rate_limit!r})"

    def get(self, path: str = "", **options: Any) -> Callable[[F], F]:
        return self.route("GET", path, **options)

    def post(self, path: str = "", **options: Any) -> Callable[[F], F]:
        return self.route("POST", path, **options)

    def put(self, path: str = "", **options: Any) -> Callable[[F], F]:
        return self.route("PUT", path, **options)

    def patch(self, path: str = "", **options: Any) -> Callable[[F], F]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str = "", **options: Any) -> Callable[[F], F]:
        return self.route("DELETE", path, **options)

    def options(self, path: str = "", **options: Any) -> Callable[[F], F]:
        return self.route("OPTIONS", path, **options)

    def route(
        self,
        method: Method,
        path: str = "",
        *,
        access: Access | None = None,
        status: int = 200,
        rate_limit: str | None = _INHERIT,
        max_body_bytes: int | None = None,
        other_statuses: tuple[int, ...] = (),
        in_schema: bool = True,
        media_type: str | None = None,
        multipart: type[BaseModel] | None = None,
    ) -> Callable[[F], F]:
        if path.startswith("/"):
            raise ValueError(f"write the route without a leading '/': {path[1:]!r}")
        full_path = "/".join(part for part in (self.prefix, path) if part)
        rule = self.rate_limit if rate_limit is _INHERIT else rate_limit
        _check_rule(f"{method} {full_path}", rule)

        def decorator(fn: F) -> F:
            spec = describe(
                fn,
                method=method,
                path=full_path,
                access=access or self.access,
                status=status,
                rate_limit=rule,
                max_body_bytes=max_body_bytes,
            )
            spec = dataclasses.replace(
                spec,
                other_statuses=other_statuses,
                in_schema=in_schema,
                media_type=media_type,
                multipart=multipart,
            )
            if spec.name in self.registry:
                raise ValueError(
                    f"two HTTP functions are named {spec.name!r}; names must be unique"
                )
            self.registry[spec.name] = spec
            self._register(spec, fn)
            return fn

        return decorator

    def _register(self, spec: RouteSpec, fn: Callable[..., Any]) -> None:
        from shared.http.pipeline import handle

        # No functools.wraps: the worker reads the signature to bind `req`, and __wrapped__
        # would show it the plain function's parameters instead.
        def http_function(req: func.HttpRequest) -> func.HttpResponse:
            return handle(spec, fn, req)

        http_function.__name__ = http_function.__qualname__ = spec.name
        http_function.__doc__ = fn.__doc__
        self.bp.function_name(spec.name)(
            self.bp.route(
                route=spec.path, methods=[spec.method], auth_level=func.AuthLevel.ANONYMOUS
            )(http_function)
        )


def describe(
    fn: Callable[..., Any],
    *,
    method: str,
    path: str,
    access: Access,
    status: int,
    rate_limit: str | None,
    max_body_bytes: int | None,
) -> RouteSpec:
    """The spec of `fn` as a route: what its name, parameters and annotations declare.

    Raises ValueError, saying what to change, for a name, parameter or annotation the
    pipeline cannot serve."""
    name = fn.__name__
    if not _NAME.match(name):
        raise ValueError(f"{name}: name HTTP functions <resource>_<action> in snake_case")
    hints = typing.get_type_hints(fn)
    parameters = tuple(inspect.signature(fn).parameters)
    path_parameters = set(_TEMPLATE_PARAMETER.findall(path))
    for parameter in parameters:
        if parameter not in INJECTED and parameter not in path_parameters:
            raise ValueError(
                f"{name}: parameter {parameter!r} is neither in the route {path!r} nor one "
                f"the pipeline hands over ({', '.join(INJECTED)})"
            )
    if "actor" in parameters:
        optional = type(None) in typing.get_args(hints.get("actor"))
        if not optional and access.authentication != "required":
            raise ValueError(
                f"{name}: `actor: Actor` needs a route that requires a token; this one is "
                f"{access}, so declare `actor: Actor | None`"
            )
        if hints.get("actor") not in (Actor, Actor | None):
            raise ValueError(f"{name}: annotate `actor` as Actor or Actor | None")
    if "body" in parameters and "form" in parameters:
        raise ValueError(f"{name}: a route reads a JSON body or a form, not both")
    return RouteSpec(
        name=name,
        method=method,
        path=path,
        access=access,
        status=status,
        body=_model(name, hints, "body", parameters),
        query=_model(name, hints, "query", parameters),
        form=_model(name, hints, "form", parameters),
        response=_response_model(hints.get("return")),
        summary=(fn.__doc__ or "").strip().split("\n")[0],
        max_body_bytes=max_body_bytes,
        rate_limit=rate_limit,
        parameters=parameters,
    )


def _model(
    name: str, hints: dict[str, Any], parameter: str, parameters: tuple[str, ...]
) -> type[BaseModel] | None:
    if parameter not in parameters:
        return None
    model = hints.get(parameter)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ValueError(f"{name}: annotate `{parameter}` with a pydantic model")
    return model


def _response_model(annotation: Any) -> type[BaseModel] | None:
    if typing.get_origin(annotation) is WithStatus:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None  # None, a dict, or a func.HttpResponse built by hand


def _check_rule(where: str, rule: str | None) -> None:
    if rule is not None and rule not in RULE_NAMES:
        raise ValueError(
            f"{where}: rate_limit={rule!r} is not a rule; use one of "
            f"{', '.join(map(repr, RULE_NAMES))}, or None to exempt the route"
        )
