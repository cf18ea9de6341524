"""The one request pipeline every HTTP function runs through.

`handle()` never raises. Its steps, in order:
 1. the request id (the caller's X-Request-ID if well formed) and the client IP;
 2. the rate limit counted by client IP, before anything else costs work (on PostgreSQL, in
    the statement that looks up the bearer token's actor when there is one, judged first:
    429 wins over what follows);
 3. the body size (413 above the route's limit or MAX_REQUEST_BODY_BYTES);
 4. the bearer token turned into an actor, and the route's access rule (401, 403);
 5. the rate limit counted by user, for the rules that count users;
 6. the arguments: route parameters, `query`, `body` or `form` parsed (415, 422), and the
    dependencies the function names (`uow`, `deps`, `settings`, `actor`, `request`);
 7. the call, inside the unit of work when the function takes one, and its result rendered;
 8. any error turned into a problem body: adapter problems as raised, domain errors and
    database faults (503 with Retry-After) through the one table in errors.py, anything else
    a logged 500 that says nothing inside;
 9. the headers every response carries (request id, security, CORS, rate limit), compression;
10. the request measured (metrics by route template, one log line: measurement.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.db_faults import note_unavailable
from shared.domain.errors import DomainError
from shared.http import measurement
from shared.http.auth import authenticate_request, looks_up_actor
from shared.http.bounds import check_strings
from shared.http.errors import domain_error_for, status_for
from shared.http.problem import HttpProblem
from shared.http.rate_limiting import RequestRateLimit
from shared.http.registry import RouteSpec
from shared.http.rendering import finish, problem_for, render
from shared.http.request import Request, parse_body, parse_form, parse_query, request_id_from
from shared.observability.context import add_log_fields, log_fields, request_context
from shared.security.client_ip import resolve_client_ip

log = logging.getLogger("lms.http")


def handle(spec: RouteSpec, fn: Callable[..., Any], req: func.HttpRequest) -> func.HttpResponse:
    """Run one request through the pipeline; never raises."""
    deps = bootstrap.current()
    settings = deps.settings
    request = Request(
        http=req,
        request_id=request_id_from(req.headers),
        client_ip=resolve_client_ip(req.headers, settings.TRUSTED_PROXY_HOPS),
    )
    rate_limit = RequestRateLimit(spec.rate_limit, deps)
    started = measurement.start(spec)
    route = measurement.route_template(spec)
    with request_context(request.request_id), log_fields(route=route):
        try:
            rate_limit.before_authentication(
                request, actor_lookup=looks_up_actor(request, spec.access)
            )
            try:
                _check_size(request, spec.max_body_bytes or settings.MAX_REQUEST_BODY_BYTES)
                actor = authenticate_request(request, spec.access, deps, rate_limit.carried)
            finally:
                rate_limit.settle()
            if actor is not None:
                request = dataclasses.replace(request, actor=actor)
                add_log_fields(user_id=str(actor.id))
            rate_limit.after_authentication(request)
            with ExitStack() as scope:
                arguments = _arguments(spec, request, deps, scope)
                reply = render(fn(**arguments), spec)
        except HttpProblem as exc:
            reply = problem_for(request, exc.status, exc.detail, exc.headers, exc.errors)
        except DomainError as exc:
            status, headers = status_for(exc)
            reply = problem_for(request, status, exc.detail, headers)
        except Exception as exc:
            domain_error = domain_error_for(exc)
            if domain_error is None:
                log.exception("unhandled error in %s", spec.name)
                reply = problem_for(request, 500, "Internal server error")
            else:
                # A warning, not a traceback per request: in an outage every request has one.
                note_unavailable()
                log.warning("%s: the database is unavailable (%s)", spec.name, _summary(exc))
                status, headers = status_for(domain_error)
                reply = problem_for(request, status, domain_error.detail, headers)
        rate_limit.add_headers(reply)
        response = finish(request, reply, settings)
        measurement.finish(spec, response.status_code, started)
        return response


def _arguments(
    spec: RouteSpec, request: Request, deps: Dependencies, scope: ExitStack
) -> dict[str, Any]:
    """What the function asked for, by parameter name. Route parameters it does not take
    (the empty `{root:maxlength(0)?}` of "/", the `{*path}` of the preflight) are left out."""
    route_params = request.http.route_params
    check_strings("path", ((n, route_params.get(n)) for n in spec.path_parameters))
    arguments: dict[str, Any] = {}
    for name in spec.parameters:
        if name == "request":
            arguments[name] = request
        elif name == "actor":
            arguments[name] = request.actor
        elif name == "query" and spec.query is not None:
            arguments[name] = parse_query(request, spec.query)
        elif name == "body" and spec.body is not None:
            arguments[name] = parse_body(request, spec.body)
        elif name == "form" and spec.form is not None:
            arguments[name] = parse_form(request, spec.form)
        elif name == "uow":
            arguments[name] = scope.enter_context(deps.uow(read_only=spec.read_only))
        elif name == "deps":
            arguments[name] = deps
        elif name == "settings":
            arguments[name] = deps.settings
        else:
            arguments[name] = route_params.get(name)
    return arguments


def _summary(error: BaseException) -> str:
    """The error's class and first line, and its driver cause's: SQLAlchemy's later lines
    carry the statement, which a warning does not need."""
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 3:
        first_line = str(current).strip().splitlines()[0] if str(current).strip() else ""
        parts.append(f"{type(current).__name__}: {first_line}"[:300])
        current = current.__cause__
    return " <- ".join(parts)


def _check_size(request: Request, limit: int) -> None:
    # The larger of what was declared and what arrived: a header may understate the body.
    declared = request.header("content-length")
    size = len(request.http.get_body())
    if declared and declared.isdigit():
        size = max(size, int(declared))
    if size > limit:
        raise HttpProblem(413, f"The body has {size} bytes; the limit here is {limit} bytes")


def problem_response(req: func.HttpRequest, problem: HttpProblem) -> func.HttpResponse:
    """A finished problem response outside any route: the local host's 404 and 405."""
    settings = bootstrap.current().settings
    request = Request(
        http=req,
        request_id=request_id_from(req.headers),
        client_ip=resolve_client_ip(req.headers, settings.TRUSTED_PROXY_HOPS),
    )
    return finish(
        request, problem_for(request, problem.status, problem.detail, problem.headers), settings
    )
