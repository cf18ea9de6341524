"""Problem details (RFC 9457), the one error body of the API.

The body keeps the reference API's `detail` string so existing clients still read messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


class HttpProblem(Exception):
    """An error that already knows its HTTP status: raised by the HTTP adapter itself."""

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


@dataclass
class Reply:
    """A response under construction: the wrapper adds headers and may compress the body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def set_default(self, name: str, value: str) -> None:
        if not any(k.lower() == name.lower() for k in self.headers):
            self.headers[name] = value

    def get(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def append_vary(self, value: str) -> None:
        current = self.get("Vary")
        if current is None:
            self.headers["Vary"] = value
        elif value.lower() not in {v.strip().lower() for v in current.split(",")}:
            for key in list(self.headers):
                if key.lower() == "vary":
                    self.headers[key] = f"{current}, {value}"


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
