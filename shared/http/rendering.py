"""Turning what a route returned, or raised, into the response the host sends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import azure.functions as func
from pydantic import BaseModel

from shared.http.compression import maybe_compress
from shared.http.headers import add_cors_headers, add_security_headers
from shared.http.problem import (
    VALIDATION_STATUS,
    prefers_problem_json,
    problem_reply,
    validation_reply,
)
from shared.http.request import Request
from shared.http.response import Reply

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.http.registry import RouteSpec

T = TypeVar("T")


@dataclass(frozen=True)
class WithStatus(Generic[T]):
    """A result answered with another status than the route's usual one: an idempotent
    create (201 when it created the thing, 200 when it already existed), readiness (503)."""

    value: T
    status: int


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
    """The error body: problem details, except a 422, whose shape the Accept header picks."""
    if status != VALIDATION_STATUS:
        return problem_reply(
            status,
            detail,
            instance=request.path,
            request_id=request.request_id,
            errors=errors,
            headers=headers,
        )
    # Clients loop over the list, so a 422 always has one, if only the summary.
    errors = errors if errors is not None else [{"loc": [], "msg": detail, "type": "value_error"}]
    if prefers_problem_json(request.header("accept")):
        reply = problem_reply(
            status,
            detail,
            instance=request.path,
            request_id=request.request_id,
            errors=errors,
            headers=headers,
        )
    else:
        reply = validation_reply(
            errors, instance=request.path, request_id=request.request_id, headers=headers
        )
    reply.append_vary("Accept")
    return reply


def finish(request: Request, reply: Reply, settings: Settings) -> func.HttpResponse:
    """Add the headers every response carries, compress, and hand it to the host."""
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
