"""The HTTP server of `lms serve`: waitress, set up to refuse what the app would refuse anyway,
early, and to answer in the API's words when it refuses something itself.

waitress reads a whole request, body included, before it calls the app. Its
max_request_body_size is set from the largest body any route takes, and each request's parser
lowers it to the limit of the route the request is for (`RouteLimitedParser`), so a larger
body is refused while it arrives (by Content-Length before a byte of it is read; a chunked one
as soon as it passes the limit) and the connection closed, rather than buffered to be refused
by the app: a direct upload's large limit does not let a body that large reach another route.
What waitress answers itself (400 for a malformed request, 413, 431, a 500 when the app
raises) would be its plain text without the API's headers; here it is the API's problem+json
with the request id and the security and CORS headers every answer carries.
"""

from __future__ import annotations

import copy
import logging
import socket
from typing import Any

import azure.functions as func
import waitress
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask

from shared.http.headers import security_headers
from shared.http.pipeline import problem_response
from shared.http.problem import HttpProblem
from shared.local.body_limits import too_large
from shared.local.wsgi import FunctionsWsgiApp, response_parts

log = logging.getLogger("lms.local.http")

LISTEN_BACKLOG = 1024
# waitress counts a chunked body's framing (chunk sizes, CRLFs) toward its limit. The allowance
# keeps it from refusing a body within the limit sent in ordinary chunks; the app measures
# the body itself exactly, and a Content-Length body within the allowance is refused by the
# app unread.
CHUNK_FRAMING_ALLOWANCE = 65_536


def create_server(app: FunctionsWsgiApp, listener: socket.socket, threads: int) -> Any:
    server = waitress.create_server(
        app,
        sockets=[listener],
        threads=threads,
        # Keep X-Forwarded-For/-Proto: the app reads them with TRUSTED_PROXY_HOPS, and a
        # proxy in front (Caddy) must reach it. waitress 3 strips them by default.
        clear_untrusted_proxy_headers=False,
        ident="",
        backlog=LISTEN_BACKLOG,
        # waitress refuses a body of this size or more; the app takes up to the largest limit.
        max_request_body_size=app.largest_body + 1 + CHUNK_FRAMING_ALLOWANCE,
    )
    # One listening socket makes one waitress server, whose channels answer its own errors
    # and hold each body to its route's limit.
    parser = type("AppRouteLimitedParser", (RouteLimitedParser,), {"app": app})
    server.channel_class = type("AppProblemChannel", (ProblemChannel,), {"parser_class": parser})
    return server


class RouteLimitedParser(HTTPRequestParser):  # type: ignore[misc]
    """A request parser that holds the body to its route's limit, not to the largest."""

    app: FunctionsWsgiApp | None = None

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.app is None or self.body_rcv is None:
            return  # no body coming (neither Content-Length nor chunked): no route to match
        limit = self.app.body_limit(str(self.command).upper(), str(self.path or "/"))
        allowed = limit + 1 + CHUNK_FRAMING_ALLOWANCE
        adjustments: Any = getattr(self, "adj")  # noqa: B009 (waitress is untyped)
        if allowed < adjustments.max_request_body_size:
            # The adjustments are shared by every request of the server: copy, then lower.
            adjustments = copy.copy(adjustments)
            adjustments.max_request_body_size = allowed
            self.adj = adjustments


class ProblemErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's answer to a request it refused, as the API's problem+json."""

    def execute(self) -> None:
        try:
            status, headers, body = self._problem()
        except Exception:
            log.exception("cannot render the server's %s answer", self.request.error.code)
            status, headers, body = self.request.error.to_response()
            headers = [*headers, *security_headers(https=False).items()]
        self.status = status
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        if self._method() != "HEAD":
            self.write(body)

    def _method(self) -> str:
        # The request of a 500 (the app raised) is a fresh parser: no method, no path.
        return str(getattr(self.request, "command", None) or "GET").upper()

    def _problem(self) -> tuple[str, list[tuple[str, str]], bytes]:
        error = self.request.error
        method = self._method()
        path = str(getattr(self.request, "path", None) or "/")
        # waitress keeps header names upper case with "_" for "-" (CONTENT_LENGTH).
        headers = {
            str(name).replace("_", "-").lower(): str(value)
            for name, value in self.request.headers.items()
        }
        app: FunctionsWsgiApp = self.channel.server.application
        problem = _problem_for(error, app, method, path, self.request.content_length)
        host = headers.get("host") or "localhost"
        request = func.HttpRequest(method, f"http://{host}{path}", headers=headers, body=b"")
        return response_parts(problem_response(request, problem))


def _problem_for(
    error: Any, app: FunctionsWsgiApp, method: str, path: str, content_length: int
) -> HttpProblem:
    if error.code == 413:
        limit = app.body_limit(method, path)
        return too_large(limit, content_length if content_length > limit else None)
    if error.code == 431:
        return HttpProblem(431, "The request headers are too large; send fewer or shorter ones.")
    if error.code == 400:
        return HttpProblem(400, f"The request is malformed ({error.body}); send valid HTTP/1.1.")
    if error.code == 501:
        return HttpProblem(
            501, f"{error.body} Send the body with Content-Length or chunked encoding."
        )
    # The app raised: waitress's text is a traceback or says nothing more than this.
    return HttpProblem(500, "Internal server error")


class ProblemChannel(HTTPChannel):  # type: ignore[misc]
    error_task_class = ProblemErrorTask
