"""Call the app's functions the way the Functions host does: by name, with a func.HttpRequest."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func


@functools.cache
def functions_by_name() -> dict[str, Any]:
    # FunctionApp.get_functions() may run once per app: a second call reports every name as
    # a duplicate.
    import function_app

    return {f.get_function_name(): f for f in function_app.app.get_functions()}


def call_http(
    name: str,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    body: bytes = b"",
    route_params: dict[str, str] | None = None,
) -> func.HttpResponse:
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
    if not url.startswith("http"):
        url = "http://localhost:7071" + url
    query = dict(part.split("=", 1) for part in urlsplit(url).query.split("&") if "=" in part)
    request = func.HttpRequest(
        method,
        url,
        headers=headers or {},
        params=query,
        route_params=route_params or {},
        body=body,
    )
    response: func.HttpResponse = functions_by_name()[name].get_user_function()(request)
    return response


def json_of(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body())
