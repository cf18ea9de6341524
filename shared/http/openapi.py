"""The OpenAPI 3.1 document of the API, built from the route registry and its pydantic models.

Every route in ROUTES (but the documentation's own and the CORS preflight) becomes an
operation: its path with the Functions constraints turned into parameter schemas, its access
rule as a bearer-JWT security requirement (and `x-access`), its query, body or form model, its
response model under its statuses, and the problem+json answers any route may give.

`build_document` costs ~0.1 s for the whole registry, so it runs on the first request to
/openapi.json (or in `lms openapi`), never at import: a cold start does not pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.http.problem import PROBLEM_CONTENT_TYPE
from shared.http.registry import RouteSpec
from shared.security.permissions import Access

OPENAPI_VERSION = "3.1.0"
BEARER = "bearerAuth"
MULTIPART = "multipart/form-data"
# A model and its mode ("validation" for what clients send, "serialization" for answers) -> $ref.
Refs = dict[Any, dict[str, Any]]
_REF = "#/components/schemas/{model}"
# `{name:constraint(arg):constraint?}`: a Functions route parameter.
_PARAMETER = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)((?::[a-z]+(?:\([^)]*\))?)*)(\??)\}")
_MAXLENGTH = re.compile(r":maxlength\((\d+)\)")

_ACCESS_TEXT = {
    "public": "Anyone; no token.",
    "optional": "Anyone; a bearer token, when sent, must be valid and may show more.",
    "authenticated": "Any signed-in user (bearer token).",
    "instructor": "Instructors and admins (bearer token).",
    "admin": "Admins (bearer token).",
    "admin+": "Admins who have completed admin setup (bearer token).",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `detail` is the reference API's message.",
    "required": ["type", "title", "status", "detail", "instance", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "examples": [
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "Course not found",
            "instance": "/api/v1/courses/0b7f3c4e-5d1a-4f7e-9c51-2a8e6b0d9f10",
            "request_id": "5f0c2a9e4b7d4c1e8a3f6b2d9e0c7a14",
        }
    ],
}


_FIELD_ERRORS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    },
}
VALIDATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ValidationProblem",
    "description": (
        "A 422 as the reference answered it: `detail` is the list of invalid fields. A client "
        "that sends `Accept: application/problem+json` gets a Problem with the list in "
        "`errors` instead."
    ),
    "required": ["type", "title", "status", "detail", "instance", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": _FIELD_ERRORS,
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
}


def build_document(routes: Iterable[RouteSpec], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`."""
    documented = [route for route in routes if route.in_schema]
    refs, definitions = _schemas(documented)
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(documented, key=lambda r: (openapi_path(r.path), r.method)):
        operation = _operation(route, refs)
        paths.setdefault(openapi_path(route.path), {})[route.method.lower()] = operation
    schemas = dict(sorted(definitions.items()))
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ValidationProblem"] = VALIDATION_SCHEMA
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Sign in at POST /api/v1/auth/login (or the OAuth2 password grant at "
                "/api/v1/auth/token) and send the access token as `Authorization: Bearer ...`. "
                "Errors are application/problem+json, but for 422, which keeps the reference's "
                "shape (`detail` the list of invalid fields) unless the client asks for "
                "application/problem+json."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def openapi_path(template: str) -> str:
    """`api/v1/courses/{course_id:guid}` -> `/api/v1/courses/{course_id}`; "/" for the root's
    empty optional parameter."""
    return "/" + _PARAMETER.sub(_openapi_parameter, template).strip("/")


def _openapi_parameter(match: re.Match[str]) -> str:
    return "" if ":maxlength(0)" in match.group(3) else "{" + match.group(2) + "}"


def _path_parameters(template: str) -> list[dict[str, Any]]:
    parameters = []
    for match in _PARAMETER.finditer(template):
        constraints = match.group(3) or ""
        schema: dict[str, Any] = {"type": "string"}
        if ":guid" in constraints:
            schema["format"] = "uuid"
        elif ":int" in constraints:
            schema = {"type": "integer"}
        maxlength = _MAXLENGTH.search(constraints)
        if maxlength:
            if maxlength.group(1) == "0":
                continue  # the root's "{root:maxlength(0)?}": no parameter at all
            schema["minLength"] = 1
            schema["maxLength"] = int(maxlength.group(1))
        parameters.append(
            {"name": match.group(2), "in": "path", "required": True, "schema": schema}
        )
    return parameters


def _schemas(
    routes: list[RouteSpec],
) -> tuple[Refs, dict[str, Any]]:
    """Every model the routes read or answer, as components; the refs to use for each."""
    wanted: set[tuple[type[BaseModel], Literal["validation", "serialization"]]] = set()
    for route in routes:
        for model in (route.body, route.query, route.form):
            if model is not None:
                wanted.add((model, "validation"))
        if route.response is not None:
            wanted.add((route.response, "serialization"))
    ordered = sorted(wanted, key=lambda pair: (pair[0].__module__, pair[0].__name__, pair[1]))
    refs, top = models_json_schema(ordered, ref_template=_REF)
    return dict(refs), top.get("$defs", {})


def _operation(route: RouteSpec, refs: Refs) -> dict[str, Any]:
    lines = [route.summary, "", f"Access: {_ACCESS_TEXT.get(route.access.name, route.access)}"]
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "description": "\n".join(lines).strip(),
        "tags": [_tag(route.path)],
        "x-access": str(route.access),
        "parameters": _path_parameters(route.path),
        "responses": _responses(route, refs),
    }
    operation.update(_security(route.access))
    if route.query is not None:
        operation["parameters"] += _query_parameters(route.query)
    if route.body is not None:
        schema = refs[(route.body, "validation")]
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    if route.form is not None:
        schema = refs[(route.form, "validation")]
        operation["requestBody"] = {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    if route.multipart is not None:
        operation["requestBody"] = {"required": True, "content": {MULTIPART: _multipart(route)}}
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def _multipart(route: RouteSpec) -> dict[str, Any]:
    """A form of the route's text fields and one binary part named `file`."""
    assert route.multipart is not None
    schema = route.multipart.model_json_schema(ref_template=_REF)
    properties = {"file": {"type": "string", "format": "binary"}, **schema["properties"]}
    return {
        "schema": {
            "type": "object",
            "properties": properties,
            "required": ["file", *schema.get("required", ())],
        }
    }


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": property_schema}
        for name, property_schema in schema.get("properties", {}).items()
    ]


def _security(access: Access) -> dict[str, Any]:
    if access.authentication == "required":
        return {"security": [{BEARER: []}]}
    if access.authentication == "optional":
        return {"security": [{}, {BEARER: []}]}
    return {}


def _responses(route: RouteSpec, refs: Refs) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (route.status, *route.other_statuses):
        if route.response is None and status == 204:
            responses[str(status)] = {"description": "No Content"}
            continue
        if route.media_type is not None:
            responses[str(status)] = _content_response(route.media_type, status)
            continue
        schema = (
            refs[(route.response, "serialization")]
            if route.response is not None
            else {"type": "object"}
        )
        responses[str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": schema}},
        }
    problems = []
    if route.access.authentication != "none":
        problems.append(401)
    if route.access.roles is not None:
        problems.append(403)
    if route.body or route.query or route.form or route.multipart or route.path_parameters:
        problems.append(422)
    if route.rate_limit is not None:
        problems.append(429)
    for status in problems:
        responses[str(status)] = _problem(HTTPStatus(status).phrase)
    if 422 in problems:
        responses["422"]["content"]["application/json"] = {
            "schema": {"$ref": _REF.format(model="ValidationProblem")}
        }
    responses["default"] = _problem("Any other error, as problem details")
    return responses


def _content_response(media_type: str, status: int) -> dict[str, Any]:
    """A file in the body, or (3xx) a redirect to where it can be read."""
    if 300 <= status < 400:
        location = {"description": "where to read it", "schema": {"type": "string"}}
        return {"description": HTTPStatus(status).phrase, "headers": {"Location": location}}
    schema = {"type": "string", "format": "binary"}
    return {"description": HTTPStatus(status).phrase, "content": {media_type: {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": _REF.format(model="Problem")}
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}}}


def _tag(path: str) -> str:
    parts = [part for part in path.split("/") if part and not part.startswith("{")]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    return parts[0] if parts else "root"
