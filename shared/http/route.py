"""The route decorator: registers an HTTP function and wraps it in the one request pipeline.

    @route(bp, "POST", "api/v1/courses", name="courses_create", body=CourseCreate,
           response=CourseOut, status=201, access="instructor")
    def courses_create(request: Request, body: CourseCreate) -> CourseOut: ...

The decorated function stays a plain function (tests may call it directly); the Functions
host calls a wrapper that turns the HttpRequest into arguments (route parameters by name,
`body=` and `query=` as pydantic models) and whatever the function returns, or raises, into
an HttpResponse. Every route is recorded in ROUTES with who may call it, so the OpenAPI
document, the contract test and the access tests read one list.

Every route is rate limited under the "default" rule unless it names another
(`rate_limit="auth"`, `"upload"`) or opts out with `rate_limit=None` (health, preflight).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel

from shared.config import get_settings
from shared.domain.errors import DomainError
from shared.http.auth import authenticate_request
from shared.http.compression import maybe_compress
from shared.http.errors import status_for
from shared.http.headers import add_cors_headers, add_security_headers
from shared.http.problem import HttpProblem, Reply, problem_reply
from shared.http.rate_limiting import RequestRateLimit
from shared.http.request import Request, parse_body, parse_query, request_id_from
from shared.observability.context import request_context
from shared.security.client_ip import resolve_client_ip
from shared.security.permissions import PUBLIC, Access
from shared.security.rate_limits import DEFAULT_RULE, RULE_NAMES

log = logging.getLogger("lms.http")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RouteSpec:
    name: str
    method: str
    path: str
    access: Access
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    summary: str
    max_body_bytes: int | None
    rate_limit: str | None = DEFAULT_RULE  # a rule of shared.security.rate_limits; None: exempt


ROUTES: dict[str, RouteSpec] = {}


@dataclass(frozen=True)
class WithStatus:
    """A result answered with another status than the route's usual one, e.g. an idempotent
    create: 201 when it created the thing, 200 when it already existed."""

    value: BaseModel
    status: int


def route(
    bp: func.Blueprint,
    method: str,
    path: str,
    *,
    name: str,
    access: Access = PUBLIC,
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    summary: str = "",
    max_body_bytes: int | None = None,
    rate_limit: str | None = DEFAULT_RULE,
) -> Callable[[F], F]:
    method = method.upper()
    if path.startswith("/"):
        raise ValueError(f"{name}: write the route without a leading '/': {path[1:]!r}")
    if rate_limit is not None and rate_limit not in RULE_NAMES:
        raise ValueError(
            f"{name}: rate_limit={rate_limit!r} is not a rule; use one of "
            f"{', '.join(map(repr, RULE_NAMES))}, or None to exempt the route"
        )

    def decorator(fn: F) -> F:
        if name in ROUTES:
            raise ValueError(f"two HTTP functions are named {name!r}; names must be unique")
        spec = RouteSpec(
            name=name,
            method=method,
            path=path,
            access=access,
            status=status,
            body=body,
            query=query,
            response=response,
            summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
            max_body_bytes=max_body_bytes,
            rate_limit=rate_limit,
        )
        ROUTES[name] = spec
        accepted = set(inspect.signature(fn).parameters)

        # No functools.wraps: the worker reads the signature to bind `req`, and __wrapped__
        # would show it the plain function's parameters instead.
        def http_function(req: func.HttpRequest) -> func.HttpResponse:
            return handle(spec, fn, req, accepted)

        http_function.__name__ = http_function.__qualname__ = name
        http_function.__doc__ = fn.__doc__
        bp.function_name(name)(
            bp.route(route=path, methods=[method], auth_level=func.AuthLevel.ANONYMOUS)(
                http_function
            )
        )
        return fn

    return decorator


def handle(
    spec: RouteSpec, fn: Callable[..., Any], req: func.HttpRequest, accepted: set[str]
) -> func.HttpResponse:
    """Run one request through the pipeline; never raises.

    Route parameters the function does not declare (the empty `{root:maxlength(0)?}` of "/",
    the `{*path}` of the preflight) are not passed to it.
    """
    settings = get_settings()
    request = Request(
        http=req,
        request_id=request_id_from(req.headers),
        client_ip=resolve_client_ip(req.headers, settings.TRUSTED_PROXY_HOPS),
    )
    rate_limit = RequestRateLimit(spec.rate_limit, settings)
    with request_context(request.request_id):
        try:
            rate_limit.before_authentication(request)
            _check_size(request, spec.max_body_bytes or settings.MAX_REQUEST_BODY_BYTES)
            actor = authenticate_request(request, spec.access, settings)
            if actor is not None:
                request = dataclasses.replace(request, actor=actor)
            rate_limit.after_authentication(request)
            kwargs: dict[str, Any] = {k: v for k, v in req.route_params.items() if k in accepted}
            if spec.query is not None:
                kwargs["query"] = parse_query(request, spec.query)
            if spec.body is not None:
                kwargs["body"] = parse_body(request, spec.body)
            reply = render(fn(request, **kwargs), spec)
        except HttpProblem as exc:
            reply = problem_for(request, exc.status, exc.detail, exc.headers, exc.errors)
        except DomainError as exc:
            status, headers = status_for(exc)
            reply = problem_for(request, status, exc.detail, headers)
        except Exception:
            log.exception("unhandled error in %s", spec.name)
            reply = problem_for(request, 500, "Internal server error")
        rate_limit.add_headers(reply)
        return finish(request, reply)


def _check_size(request: Request, limit: int) -> None:
    # The larger of what was declared and what arrived: a header may understate the body.
    declared = request.header("content-length")
    size = len(request.http.get_body())
    if declared and declared.isdigit():
        size = max(size, int(declared))
    if size > limit:
        raise HttpProblem(413, f"The body has {size} bytes; the limit here is {limit} bytes")


def render(result: Any, spec: RouteSpec) -> Reply:
    """Turn what a route returned into a reply: a model, plain JSON data, None or a response."""
    if isinstance(result, func.HttpResponse):
        reply = Reply(result.status_code, result.get_body(), dict(result.headers.items()))
        # HttpResponse(mimetype=...) keeps the type outside its headers; carry it over.
        if reply.body:
            reply.set_default("Content-Type", _content_type(result.mimetype, result.charset))
        return reply
    if isinstance(result, WithStatus):
        reply = render(result.value, spec)
        reply.status = result.status
        return reply
    if result is None:
        return Reply(204 if spec.status in (200, 204) else spec.status)
    if spec.response is not None and not isinstance(result, spec.response):
        result = spec.response.model_validate(result)
    if isinstance(result, BaseModel):
        payload = result.model_dump_json(by_alias=True).encode()
    else:
        payload = json.dumps(result, default=str, separators=(",", ":")).encode()
    return Reply(spec.status, payload, {"Content-Type": "application/json"})


def _content_type(mimetype: str, charset: str) -> str:
    return f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype


def problem_for(
    request: Request,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Reply:
    return problem_reply(
        status,
        detail,
        instance=request.path,
        request_id=request.request_id,
        errors=errors,
        headers=headers,
    )


def finish(request: Request, reply: Reply) -> func.HttpResponse:
    """Add the headers every response carries, compress, and hand it to the host."""
    settings = get_settings()
    reply.headers["X-Request-ID"] = request.request_id
    add_security_headers(reply, https=request.is_https)
    add_cors_headers(reply, request.header("origin"), settings.CORS_ORIGINS)
    maybe_compress(reply, request.header("accept-encoding"))
    content_type = reply.get("Content-Type")
    return func.HttpResponse(
        body=reply.body,
        status_code=reply.status,
        headers=reply.headers,
        mimetype=content_type.split(";")[0] if content_type else None,
    )


def problem_response(req: func.HttpRequest, problem: HttpProblem) -> func.HttpResponse:
    """A finished problem response outside any route: the local host's 404 and 405."""
    request = Request(
        http=req,
        request_id=request_id_from(req.headers),
        client_ip=resolve_client_ip(req.headers, get_settings().TRUSTED_PROXY_HOPS),
    )
    return finish(request, problem_for(request, problem.status, problem.detail, problem.headers))
