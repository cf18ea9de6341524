"""What a route body gets: the HTTP request plus what the adapter worked out about it."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.http.bounds import check_strings, load_json
from shared.http.headers import is_https
from shared.http.problem import HttpProblem
from shared.security.permissions import Actor

M = TypeVar("M", bound=BaseModel)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
JSON_TYPES = ("application/json",)
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 20


def request_id_from(headers: Any) -> str:
    """Keep a caller's well-formed X-Request-ID (to trace across services), else mint one."""
    incoming = headers.get("x-request-id")
    # fullmatch: `$` alone also matches before a trailing newline, which a header cannot carry.
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return str(incoming)
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Request:
    http: func.HttpRequest
    request_id: str
    client_ip: str | None
    actor: Actor | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.http.url).path or "/"

    @property
    def is_https(self) -> bool:
        return is_https(urlsplit(self.http.url).scheme, self.http.headers.get("x-forwarded-proto"))

    def header(self, name: str) -> str | None:
        value = self.http.headers.get(name.lower())
        return None if value is None else str(value)


def field_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [
        {"loc": [where, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def parse_query(request: Request, model: type[M]) -> M:
    params = dict(request.http.params)
    check_strings("query", params)
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise HttpProblem(
            422, "Query parameters are not valid", errors=field_errors(exc, "query")
        ) from None


def parse_body(request: Request, model: type[M]) -> M:
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type and not (content_type in JSON_TYPES or content_type.endswith("+json")):
        raise HttpProblem(415, f"Send the body as application/json, not {content_type}")
    raw = request.http.get_body()
    if not raw.strip():
        errors = [{"loc": ["body"], "msg": "Field required", "type": "missing"}]
        raise HttpProblem(422, "A JSON body is required", errors=errors)
    data = load_json(raw)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HttpProblem(422, "The body is not valid", errors=field_errors(exc, "body")) from None


def parse_form(request: Request, model: type[M]) -> M:
    """A form-encoded body (the OAuth2 password grant) as `model`."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise HttpProblem(415, f"Send the body as {FORM_TYPE}, not {content_type or 'nothing'}")
    try:
        text = request.http.get_body().decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        detail = f"The body is not valid {FORM_TYPE}"
        advice = f"send at most {MAX_FORM_FIELDS} UTF-8 name=value pairs"
        errors = [{"loc": ["body"], "msg": f"{detail}: {advice}", "type": "form_invalid"}]
        raise HttpProblem(422, detail, errors=errors) from None
    data: dict[str, Any] = {name: values[0] for name, values in fields.items()}
    check_strings("body", data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HttpProblem(422, "The form is not valid", errors=field_errors(exc, "body")) from None
