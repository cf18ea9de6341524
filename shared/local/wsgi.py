"""The WSGI application of the local host: WSGI environ in, HTTP function called, response out.

It plays the part of the Functions host's HTTP front end: it builds the `func.HttpRequest` the
worker would (full URL, headers, query, route parameters, body), appends the TCP peer to
X-Forwarded-For as one trusted hop (shared/security/client_ip reads it from the right), and
answers 404, 405 and 413 itself with the API's problem+json and headers.

HEAD is answered for every GET route as the GET would be (status and headers, Content-Length
included) without the body: a body after a HEAD answer would be read by a keep-alive client
as the start of the next answer. The security headers go on every answer, the mounted
sendEmail app's and the server's own (shared/local/http_server.py) too.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import azure.functions as func

from shared.http.headers import is_https, security_headers
from shared.http.pipeline import problem_response
from shared.http.problem import HttpProblem
from shared.local.body_limits import BodyLimits, read_body
from shared.local.routing import MethodNotAllowed, NotFound, RouteMatch, RouteTable

log = logging.getLogger("lms.local.http")
access_log = logging.getLogger("lms.local.access")

StartResponse = Callable[..., Any]
# WSGI forbids an application to set hop-by-hop headers; the server owns the connection.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
BODYLESS_STATUSES = frozenset({204, 304})


def raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it, still percent-encoded, so %2F stays inside a segment."""
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if uri:
        return urlsplit(uri).path or "/"
    # PEP 3333 hands PATH_INFO over decoded, as latin-1; encode it back.
    decoded = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return quote(decoded.encode("latin-1"), safe="/:@!$&'()*+,;=-._~") or "/"


Networks = Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
LOOPBACK: Networks = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))


def request_headers(environ: dict[str, Any], trusted_peers: Networks = LOOPBACK) -> dict[str, str]:
    """The request's headers, with the TCP peer appended to X-Forwarded-For as one trusted
    hop. What the peer sent as X-Forwarded-For is kept only from `trusted_peers` (the proxy in
    front, FORWARDED_ALLOW_IPS); anyone else could write any address there."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    peer = environ.get("REMOTE_ADDR")
    if peer:
        earlier = headers.get("x-forwarded-for", "").strip() if _among(peer, trusted_peers) else ""
        headers["x-forwarded-for"] = f"{earlier}, {peer}" if earlier else peer
    return headers


def _among(peer: str, networks: Networks) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def query_params(query_string: str) -> dict[str, str]:
    # The host hands the worker one string per name; a repeated name arrives comma-joined.
    params: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    return params


def build_request(
    environ: dict[str, Any],
    route_params: dict[str, str],
    *,
    method: str | None = None,
    body: bytes = b"",
    trusted_peers: Networks = LOOPBACK,
) -> func.HttpRequest:
    headers = request_headers(environ, trusted_peers)
    host = headers.get("host") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    query = environ.get("QUERY_STRING", "")
    url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{raw_path(environ)}"
    return func.HttpRequest(
        method or environ["REQUEST_METHOD"].upper(),
        f"{url}?{query}" if query else url,
        headers=headers,
        params=query_params(query),
        route_params=route_params,
        body=body,
    )


def environ_is_https(environ: dict[str, Any]) -> bool:
    return is_https(
        str(environ.get("wsgi.url_scheme", "http")), environ.get("HTTP_X_FORWARDED_PROTO")
    )


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def answer_json(start_response: StartResponse, status: int, body: Any) -> list[bytes]:
    """A mounted app's JSON answer."""
    payload = json.dumps(body).encode()
    start_response(
        status_line(status),
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def answer_problem(
    environ: dict[str, Any], start_response: StartResponse, problem: HttpProblem
) -> list[bytes]:
    """A mounted app's refusal, as problem+json like the functions' own."""
    response = problem_response(build_request(environ, {}), problem)
    status_text, headers, payload = response_parts(response)
    start_response(status_text, headers)
    return [payload]


def response_parts(response: func.HttpResponse) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body; Content-Type from mimetype/charset when none was set."""
    body = response.get_body()
    status = int(response.status_code)
    headers = [
        (str(k), str(v))
        for k, v in response.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
    ]
    has_type = any(k.lower() == "content-type" for k, _ in headers)
    if body and not has_type and response.mimetype:
        charset = f"; charset={response.charset}" if response.charset else ""
        headers.append(("Content-Type", f"{response.mimetype}{charset}"))
    if status in BODYLESS_STATUSES or 100 <= status < 200:
        body = b""
    else:
        headers.append(("Content-Length", str(len(body))))
    return status_line(status), headers, body


class FunctionsWsgiApp:
    """Serves the HTTP functions of a RouteTable; safe to call from many threads at once."""

    def __init__(
        self,
        routes: RouteTable,
        body_limits: BodyLimits,
        mounts: dict[str, Callable[..., Iterable[bytes]]] | None = None,
        trusted_peers: Networks = LOOPBACK,
        mount_body_limits: dict[str, int] | None = None,
    ) -> None:
        self.routes = routes
        self.body_limits = body_limits
        self.trusted_peers = trusted_peers
        # Other WSGI apps served at one exact path (the Firebase sendEmail function, the
        # local folder's direct uploads), and the largest body each takes where it is not
        # the default.
        self.mounts = dict(mounts or {})
        self.mount_body_limits = dict(mount_body_limits or {})

    def __repr__(self) -> str:
        return f"FunctionsWsgiApp({len(self.routes)} routes)"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = raw_path(environ)
        mounted = self.mounts.get(path)
        if mounted is not None:
            access_log.info("%s %s (mounted app)", method, path)
            return _call_mounted(mounted, environ, start_response, method)
        response = self.respond(environ, method, path)
        status, headers, body = response_parts(response)
        start_response(status, headers)
        # DEBUG: the pipeline logs each request at INFO with its route, user and duration
        # (lms.http.access); this line adds the raw path and the host's own 404s and 405s.
        access_log.debug(
            "%s %s %s %.1f ms", method, path, status[:3], (time.perf_counter() - started) * 1000
        )
        return [] if method == "HEAD" else [body]

    @property
    def largest_body(self) -> int:
        """The most bytes any body may have, on any route or mount."""
        return max([self.body_limits.largest, *self.mount_body_limits.values()])

    def body_limit(self, method: str, path: str) -> int:
        """The most bytes a body of `method` on `path` may have."""
        if path in self.mount_body_limits:
            return self.mount_body_limits[path]
        outcome, _ = self._match(method, path)
        if isinstance(outcome, RouteMatch):
            return self.body_limits.for_function(outcome.route.name)
        return self.body_limits.default

    def _match(
        self, method: str, path: str
    ) -> tuple[RouteMatch | MethodNotAllowed | NotFound, str]:
        """The outcome for `method` on `path`, and the method to call the function with: a
        HEAD no function declares goes to the GET function, as a GET, so it answers alike."""
        outcome = self.routes.match(method, path)
        if method != "HEAD" or isinstance(outcome, RouteMatch):
            return outcome, method
        as_get = self.routes.match("GET", path)
        return (as_get, "GET") if isinstance(as_get, RouteMatch) else (outcome, method)

    def respond(self, environ: dict[str, Any], method: str, path: str) -> func.HttpResponse:
        request = None
        try:
            outcome, call_as = self._match(method, path)
            if isinstance(outcome, RouteMatch):
                try:
                    body = read_body(environ, self.body_limits.for_function(outcome.route.name))
                except HttpProblem as refused:
                    return problem_response(
                        build_request(environ, {}, trusted_peers=self.trusted_peers), refused
                    )
                request = build_request(
                    environ,
                    outcome.params,
                    method=call_as,
                    body=body,
                    trusted_peers=self.trusted_peers,
                )
                response = outcome.route.function.call(request)
                if not isinstance(response, func.HttpResponse):
                    raise TypeError(
                        f"{outcome.route.name} returned {type(response).__name__}, "
                        "not func.HttpResponse"
                    )
                return response
            # Nothing will read the body: leave it unread.
            request = build_request(environ, {}, trusted_peers=self.trusted_peers)
            if isinstance(outcome, MethodNotAllowed):
                allowed = set(outcome.allowed)
                if "GET" in allowed:
                    allowed.add("HEAD")  # served by the GET function
                listed = ", ".join(sorted(allowed))
                problem = HttpProblem(
                    405,
                    f"{method} is not allowed on {path}; use {listed}",
                    headers={"Allow": listed},
                )
                return problem_response(request, problem)
            hint = f": {outcome.hint}" if outcome.hint else ""
            return problem_response(request, HttpProblem(404, f"Nothing is served at {path}{hint}"))
        except Exception:
            # The route pipeline catches everything; reaching here is a bug in the host or a
            # function registered without the pipeline.
            log.exception("unhandled error serving %s %s", method, path)
            return self._internal_error(request, method, path)

    @staticmethod
    def _internal_error(
        request: func.HttpRequest | None, method: str, path: str
    ) -> func.HttpResponse:
        problem = HttpProblem(500, "Internal server error")
        try:
            return problem_response(
                request or func.HttpRequest(method, f"http://localhost{path}", body=b""), problem
            )
        except Exception:
            log.exception("cannot render the 500 problem for %s %s", method, path)
            return func.HttpResponse(
                b'{"status":500,"detail":"Internal server error"}',
                status_code=500,
                mimetype="application/problem+json",
                headers=security_headers(https=False),
            )


def _call_mounted(
    app: Callable[..., Iterable[bytes]],
    environ: dict[str, Any],
    start_response: StartResponse,
    method: str,
) -> Iterable[bytes]:
    """Serve a mounted WSGI app, adding the security headers it did not set itself."""
    added = security_headers(https=environ_is_https(environ))

    def start_with_security_headers(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        present = {name.lower() for name, _ in headers}
        extra = [(name, value) for name, value in added.items() if name.lower() not in present]
        return start_response(status, [*headers, *extra], exc_info)

    chunks = app(environ, start_with_security_headers)
    if method != "HEAD":
        return chunks
    # Run it to the end (it may call start_response only then, PEP 3333) but send no body.
    try:
        for _ in chunks:
            pass
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return []
