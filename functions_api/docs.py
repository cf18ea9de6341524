"""The API's own documentation: /openapi.json, Swagger UI at /docs and ReDoc at /redoc.

Served where `api_docs_enabled` (outside production, or ENABLE_API_DOCS=true); elsewhere each
answers 404 as if it did not exist. Exempt from rate limits, like health, and kept out of the
document they serve.
"""

from __future__ import annotations

import functools
import html
import json

import azure.functions as func

from shared.config import Settings
from shared.http import HttpProblem, Router
from shared.http.docs_pages import (
    ASSET_CACHE_CONTROL,
    ASSET_TYPES,
    REDOC_PAGE,
    REDOC_POLICY,
    SWAGGER_PAGE,
    SWAGGER_POLICY,
    read_asset,
)
from shared.http.registry import ROUTES
from shared.version import __version__

bp = func.Blueprint()
api = Router(bp, rate_limit=None)


@api.get("openapi.json", in_schema=False)
def docs_openapi(settings: Settings) -> func.HttpResponse:
    """The OpenAPI 3.1 document of every route."""
    _check_enabled(settings)
    return func.HttpResponse(
        _document(settings.APP_NAME), mimetype="application/json", charset="utf-8"
    )


@api.get("docs", in_schema=False)
def docs_swagger(settings: Settings) -> func.HttpResponse:
    """Swagger UI over /openapi.json."""
    _check_enabled(settings)
    return _page(SWAGGER_PAGE, SWAGGER_POLICY, settings.APP_NAME)


@api.get("redoc", in_schema=False)
def docs_redoc(settings: Settings) -> func.HttpResponse:
    """ReDoc over /openapi.json."""
    _check_enabled(settings)
    return _page(REDOC_PAGE, REDOC_POLICY, settings.APP_NAME)


@api.get("docs/assets/{asset}", in_schema=False)
def docs_asset(asset: str, settings: Settings) -> func.HttpResponse:
    """The JavaScript, CSS and icon of the documentation pages."""
    _check_enabled(settings)
    content = read_asset(asset)
    if content is None:
        known = ", ".join(ASSET_TYPES)
        raise HttpProblem(404, f"No documentation asset {asset!r}; the assets are: {known}")
    return func.HttpResponse(
        content,
        mimetype=ASSET_TYPES[asset],
        headers={"Cache-Control": ASSET_CACHE_CONTROL},
    )


def _check_enabled(settings: Settings) -> None:
    if not settings.api_docs_enabled:
        raise HttpProblem(404, "Nothing is served at this path")


def _page(template: str, policy: str, title: str) -> func.HttpResponse:
    body = template.replace("{title}", html.escape(title))
    return func.HttpResponse(
        body,
        mimetype="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": policy},
    )


@functools.cache
def _document(title: str) -> bytes:
    # Built on the first request, not at import: a cold start pays neither for the document
    # nor for the modules that build it (pydantic.json_schema among them).
    from shared.http.openapi import build_document

    return json.dumps(build_document(ROUTES.values(), title=title, version=__version__)).encode()
