"""Problem details (RFC 9457), the one error body of the API, and its 422 twin.

Every error keeps the reference API's `detail` so existing clients still read messages. A 422
is the one exception: the reference's (FastAPI's) clients loop over `detail` as a list of
`{loc, msg, type}`, so by default it carries that list; a client that asks for
`application/problem+json` gets the RFC 9457 form, `detail` a string and the list in `errors`.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from shared.http.response import Reply

PROBLEM_CONTENT_TYPE = "application/problem+json"
VALIDATION_STATUS = 422


class HttpProblem(Exception):
    """An error that already knows its HTTP status: raised by the HTTP adapter itself (415,
    413, 422); services raise domain errors instead."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors

    def __repr__(self) -> str:
        return f"HttpProblem({self.status}, {self.detail!r})"


def problem_reply(
    status: int,
    detail: str,
    *,
    instance: str,
    request_id: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    body = _body(status, detail, instance, request_id)
    if errors is not None:
        body["errors"] = errors
    return _reply(status, body, PROBLEM_CONTENT_TYPE, headers)


def validation_reply(
    errors: list[dict[str, Any]],
    *,
    instance: str,
    request_id: str,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A 422 in the reference's shape: `detail` is the list of `{loc, msg, type}`. Not a
    problem document (RFC 9457 wants `detail` a string), so plain application/json."""
    body = _body(VALIDATION_STATUS, errors, instance, request_id)
    return _reply(VALIDATION_STATUS, body, "application/json", headers)


def prefers_problem_json(accept: str | None) -> bool:
    """Whether the Accept header names application/problem+json, and ranks it no lower than
    application/json. Wildcards do not count: `*/*` clients are the reference's clients."""
    ranks: dict[str, float] = {}
    for media_range in (accept or "").split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[media_type.lower()] = max(quality, ranks.get(media_type.lower(), 0.0))
    wanted = ranks.get(PROBLEM_CONTENT_TYPE, 0.0)
    return wanted > 0 and wanted >= ranks.get("application/json", 0.0)


def _body(status: int, detail: Any, instance: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }


def _reply(
    status: int, body: dict[str, Any], content_type: str, headers: dict[str, str] | None
) -> Reply:
    reply = Reply(status, json.dumps(body).encode(), dict(headers or {}))
    reply.headers["Content-Type"] = content_type
    return reply
