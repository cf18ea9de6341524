"""Problem details (RFC 9457), the one error body of the API.

The body keeps the reference API's `detail` string so existing clients still read messages.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from shared.http.response import Reply

PROBLEM_CONTENT_TYPE = "application/problem+json"


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
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }
    if errors is not None:
        body["errors"] = errors
    reply = Reply(status, json.dumps(body).encode(), dict(headers or {}))
    reply.headers["Content-Type"] = PROBLEM_CONTENT_TYPE
    return reply
