"""CORS preflight for every path.

One OPTIONS-only catch-all: no other function accepts OPTIONS, so it can never shadow a route,
whatever order the host tries functions in. The pipeline adds the Access-Control-Allow-Origin
header for allowed origins; an origin that is not allowed gets no CORS headers, which the
browser reports as a CORS failure.
"""

from __future__ import annotations

import azure.functions as func

from shared.http import Request, Router
from shared.http.headers import preflight_headers

bp = func.Blueprint()
api = Router(bp, rate_limit=None)


@api.options("{*path}", in_schema=False)
def cors_preflight(request: Request) -> func.HttpResponse:
    """Answer a CORS preflight (or a plain OPTIONS) with the methods the API serves."""
    return func.HttpResponse(status_code=204, headers=preflight_headers(request.http.headers))
