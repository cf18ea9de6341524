"""The pages that show the OpenAPI document: Swagger UI at /docs and ReDoc at /redoc.

Their JavaScript and CSS come from the `fastapi-offline` package on PyPI (Swagger UI 5, which
reads OpenAPI 3.1, and ReDoc 2; `swagger-ui-bundle` ships Swagger UI 4, which cannot). The app
serves those files itself, from /docs/assets/, so the pages work behind a firewall and under a
CSP that names no other origin. The package is located without being imported: importing it
would import FastAPI, which the app does not use.

Each page carries its own Content-Security-Policy, as narrow as the page allows; every other
route keeps the API's `default-src 'none'`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
from pathlib import Path

ASSET_PACKAGE = "fastapi_offline"
ASSET_PREFIX = "/docs/assets/"
OPENAPI_URL = "/openapi.json"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
# The assets change only with the package; a day of caching spares reloading 2.6 MB.
ASSET_CACHE_CONTROL = "public, max-age=86400"

# Swagger UI's start-up, inline; the CSP allows exactly this script by its hash.
_SWAGGER_INIT = (
    "window.ui = SwaggerUIBundle({url: '" + OPENAPI_URL + "', dom_id: '#swagger-ui', "
    "deepLinking: true, persistAuthorization: true, "
    "presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset], "
    "layout: 'BaseLayout'});"
)


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


# Both UIs style elements inline ('unsafe-inline' for styles only, never scripts); ReDoc runs
# its search index in a worker it builds from a blob: URL.
_COMMON_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
SWAGGER_POLICY = f"{_COMMON_POLICY}; script-src 'self' {_script_hash(_SWAGGER_INIT)}"
REDOC_POLICY = f"{_COMMON_POLICY}; script-src 'self'; worker-src blob:"

SWAGGER_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{title}} - Swagger UI</title>
<link rel="icon" type="image/png" href="{ASSET_PREFIX}favicon.png">
<link rel="stylesheet" href="{ASSET_PREFIX}swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSET_PREFIX}swagger-ui-bundle.js"></script>
<script>{_SWAGGER_INIT}</script>
</body>
</html>
"""

REDOC_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{title}} - ReDoc</title>
<link rel="icon" type="image/png" href="{ASSET_PREFIX}favicon.png">
</head>
<body>
<redoc spec-url="{OPENAPI_URL}"></redoc>
<script src="{ASSET_PREFIX}redoc.standalone.js"></script>
</body>
</html>
"""


@functools.cache
def asset_directory() -> Path | None:
    """Where the package keeps the files; None when it is not installed."""
    spec = importlib.util.find_spec(ASSET_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def read_asset(name: str) -> bytes | None:
    """The bytes of one of ASSET_TYPES; None for any other name or a missing package."""
    directory = asset_directory()
    if name not in ASSET_TYPES or directory is None:
        return None
    path = directory / name
    return path.read_bytes() if path.is_file() else None
