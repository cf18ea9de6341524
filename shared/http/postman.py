"""A Postman collection (v2.1) made from the OpenAPI document, for `lms openapi --postman`.

One folder per tag, one request per operation. The collection signs in by itself: its
pre-request script logs in with the `email` and `password` variables (the demo student of
`lms seed-demo` until changed) whenever `accessToken` is empty or expired, and every request
sends it as a bearer token, except the public ones, which send none.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
LOGIN_PATH = "/api/v1/auth/login"

# Postman's sandbox JavaScript: skips itself for the sign-in request, and stores the access
# token with its expiry (from the JWT's `exp`) so the next requests reuse it.
PRE_REQUEST_SCRIPT = [
    "const token = pm.collectionVariables.get('accessToken');",
    "const expires = Number(pm.collectionVariables.get('accessTokenExpires') || 0);",
    f"if (pm.request.url.getPath() === '{LOGIN_PATH}') {{ return; }}",
    "if (token && Date.now() < expires - 30000) { return; }",
    "pm.sendRequest({",
    f"  url: pm.collectionVariables.get('baseUrl') + '{LOGIN_PATH}',",
    "  method: 'POST',",
    "  header: { 'Content-Type': 'application/json' },",
    "  body: { mode: 'raw', raw: JSON.stringify({",
    "    email: pm.collectionVariables.get('email'),",
    "    password: pm.collectionVariables.get('password') }) }",
    "}, (error, response) => {",
    "  if (error || response.code !== 200) {",
    "    console.error('Sign-in failed; check the email and password variables', error);",
    "    return;",
    "  }",
    "  const access = response.json().tokens.access_token;",
    "  const claims = JSON.parse(atob(access.split('.')[1]));",
    "  pm.collectionVariables.set('accessToken', access);",
    "  pm.collectionVariables.set('accessTokenExpires', String(claims.exp * 1000));",
    "});",
]


def build_collection(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The collection of every operation in `document`, against `base_url`."""
    folders: dict[str, list[dict[str, Any]]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or ["api"])[0]
            folders.setdefault(tag, []).append(_request(path, method, operation))
    return {
        "info": {
            "name": document["info"]["title"],
            "description": document["info"].get("description", ""),
            "schema": SCHEMA_URL,
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
        },
        "event": [
            {
                "listen": "prerequest",
                "script": {"type": "text/javascript", "exec": PRE_REQUEST_SCRIPT},
            }
        ],
        "variable": [
            {"key": "baseUrl", "value": base_url.rstrip("/")},
            {"key": "email", "value": "student@example.com"},
            {"key": "password", "value": "StudentPass123"},
            {"key": "accessToken", "value": ""},
            {"key": "accessTokenExpires", "value": "0"},
        ],
        "item": [{"name": tag, "item": items} for tag, items in sorted(folders.items())],
    }


def _request(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    segments = [_variable(part) for part in path.strip("/").split("/") if part]
    parameters = operation.get("parameters", [])
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}/" + "/".join(segments),
        "host": ["{{baseUrl}}"],
        "path": segments,
    }
    path_variables = [
        {"key": p["name"], "value": "", "description": p["schema"].get("format", "string")}
        for p in parameters
        if p["in"] == "path"
    ]
    if path_variables:
        url["variable"] = path_variables
    query = [
        {"key": p["name"], "value": "", "disabled": not p.get("required", False)}
        for p in parameters
        if p["in"] == "query"
    ]
    if query:
        url["query"] = query
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": [],
        "url": url,
        "description": operation.get("description", ""),
    }
    if "security" not in operation:
        request["auth"] = {"type": "noauth"}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps({}),
            "options": {"raw": {"language": "json"}},
        }
    elif "application/x-www-form-urlencoded" in content:
        # The one form route is the OAuth2 password grant: fill it from the variables.
        request["body"] = {
            "mode": "urlencoded",
            "urlencoded": [
                {"key": "username", "value": "{{email}}"},
                {"key": "password", "value": "{{password}}"},
            ],
        }
    return {"name": operation.get("summary") or operation["operationId"], "request": request}


def _variable(segment: str) -> str:
    # OpenAPI's {course_id} is Postman's :course_id.
    return ":" + segment[1:-1] if segment.startswith("{") else segment
