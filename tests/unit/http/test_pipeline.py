"""The request pipeline as the Functions host drives it: HttpRequest in, HttpResponse out.

Routes here are real Router registrations on a Blueprint registered on a FunctionApp;
each test calls the function the app built, exactly as the worker does.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import traceback
from typing import Any

import azure.functions as func
import pytest
from pydantic import BaseModel, Field

from shared import bootstrap
from shared.domain.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    DependencyUnavailableError,
    DomainError,
    RateLimitExceededError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.http import Request, Router
from shared.http.registry import RouteSpec
from shared.observability.logging import JsonFormatter

ALLOWED_ORIGIN = "https://app.example.org"
BODY_LIMIT = 2048
BASE = "http://localhost:7071/api/v1/t-pipeline"


class CourseCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    seats: int = Field(ge=1)
    password: str | None = None


class CourseOut(BaseModel):
    id: str
    title: str
    seats: int


class Page(BaseModel):
    page: int = Field(default=1, ge=1)
    size: int = Field(default=20, le=100)


class Note(BaseModel):
    text: str


class CourseMissingError(ResourceNotFoundError):
    """A subclass: the most specific family in the table decides the status."""


ERRORS: dict[str, Exception] = {
    "not-found": ResourceNotFoundError("Course 42 does not exist"),
    "not-found-subclass": CourseMissingError("Course 43 does not exist"),
    "conflict": ResourceConflictError("Already enrolled"),
    "unauthenticated": AuthenticationRequiredError("Log in first"),
    "forbidden": AccessDeniedError("Only the instructor may do this"),
    "rule": RuleViolationError("The course is full"),
    "rate": RateLimitExceededError("Too many attempts; wait a minute", retry_after=60),
    "rate-now": RateLimitExceededError("Too many attempts", retry_after=0),
    "unavailable": DependencyUnavailableError("The database does not answer"),
    "plain-domain": DomainError("Something the client did"),
    "crash": RuntimeError("connection to postgresql://lms:hunter2@db failed"),
}

bp = func.Blueprint()
REGISTRY: dict[str, RouteSpec] = {}  # this module's routes, kept out of the app's ROUTES
api = Router(bp, "api/v1/t-pipeline", registry=REGISTRY)


@api.post("courses", status=201)
def t_pipeline_courses_create(body: CourseCreate) -> CourseOut:
    """Create a course."""
    return CourseOut(id="c-1", title=body.title, seats=body.seats)


@api.get("courses")
def t_pipeline_courses_list(query: Page) -> dict[str, Any]:
    return {"page": query.page, "size": query.size}


@api.get("courses/{course_id}/lessons/{lesson_id}")
def t_pipeline_lessons_get(request: Request, course_id: str, lesson_id: str) -> dict[str, Any]:
    return {
        "course_id": course_id,
        "lesson_id": lesson_id,
        "request_id": request.request_id,
        "client_ip": request.client_ip,
    }


@api.get("errors/{kind}")
def t_pipeline_errors_raise(kind: str) -> None:
    raise ERRORS[kind]


@api.delete("courses/{course_id}")
def t_pipeline_courses_delete(course_id: str) -> None:
    return None


@api.get("validated/{variant}")
def t_pipeline_validated_get(variant: str) -> CourseOut:
    if variant == "good":
        return {"id": "c-9", "title": "Algebra", "seats": "12", "internal_note": "hidden"}  # type: ignore[return-value]
    return {"id": "c-9"}  # type: ignore[return-value]


@api.get("blob/{size}")
def t_pipeline_blob_get(size: str) -> dict[str, Any]:
    return {"data": "a" * int(size)}


@api.get("page")
def t_pipeline_page_get() -> func.HttpResponse:
    return func.HttpResponse(
        "<p>" + "hello " * 400 + "</p>",
        status_code=202,
        headers={"X-Custom": "kept", "Content-Security-Policy": "default-src 'self'"},
        mimetype="text/html",
    )


@api.post("notes/small", max_body_bytes=100)
def t_pipeline_notes_small(body: Note) -> dict[str, Any]:
    return {"length": len(body.text)}


@api.post("notes/large", max_body_bytes=8 * BODY_LIMIT)
def t_pipeline_notes_large(body: Note) -> dict[str, Any]:
    return {"length": len(body.text)}


@api.post("notes")
def t_pipeline_notes_create(body: Note) -> dict[str, Any]:
    return {"length": len(body.text)}


app = func.FunctionApp()
app.register_functions(bp)
FUNCTIONS = {f.get_function_name(): f for f in app.get_functions()}


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("CORS_ORIGINS", ALLOWED_ORIGIN)
    monkeypatch.setenv("MAX_REQUEST_BODY_BYTES", str(BODY_LIMIT))
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    bootstrap.reset()
    yield bootstrap.current().settings
    bootstrap.reset()


def call(
    name: str,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    route_params: dict[str, str] | None = None,
    body: bytes = b"",
) -> func.HttpResponse:
    user_function = FUNCTIONS[name].get_user_function()
    return user_function(
        func.HttpRequest(
            method,
            url,
            headers=headers or {},
            params=params or {},
            route_params=route_params or {},
            body=body,
        )
    )


def post_json(name: str, path: str, data: Any, **kwargs: Any) -> func.HttpResponse:
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return call(
        name, "POST", BASE + path, headers=headers, body=json.dumps(data).encode(), **kwargs
    )


def raise_error(kind: str, **kwargs: Any) -> func.HttpResponse:
    return call(
        "t_pipeline_errors_raise",
        "GET",
        f"{BASE}/errors/{kind}",
        route_params={"kind": kind},
        **kwargs,
    )


# These tests read the RFC 9457 form of a 422; tests/functional/test_validation_errors.py
# keeps the reference's default form.
ASKS_FOR_PROBLEMS = {"Accept": "application/problem+json"}


def problem(response: func.HttpResponse) -> dict[str, Any]:
    assert response.headers.get("Content-Type") == "application/problem+json"
    return json.loads(response.get_body())


def vary(response: func.HttpResponse) -> set[str]:
    return {v.strip() for v in (response.headers.get("Vary") or "").split(",")}


# --- registration


def test_each_route_is_registered_with_the_host_under_its_path_and_method():
    trigger = FUNCTIONS["t_pipeline_courses_create"].get_trigger().get_dict_repr()

    assert trigger["route"] == "api/v1/t-pipeline/courses"
    assert [str(m.value) for m in trigger["methods"]] == ["POST"]
    assert trigger["authLevel"] == func.AuthLevel.ANONYMOUS


def test_each_route_is_recorded_in_the_registry_with_its_models():
    spec = REGISTRY["t_pipeline_courses_create"]

    assert (spec.method, spec.path, spec.status) == ("POST", "api/v1/t-pipeline/courses", 201)
    assert spec.body is CourseCreate
    assert spec.response is CourseOut
    assert spec.summary == "Create a course."
    assert spec.parameters == ("body",)


def test_the_decorated_function_stays_a_plain_function():
    result = t_pipeline_courses_create(CourseCreate(title="Algebra", seats=3))

    assert result == CourseOut(id="c-1", title="Algebra", seats=3)


# --- request bodies


def test_a_json_body_becomes_the_model_and_the_response_model_is_rendered():
    response = post_json("t_pipeline_courses_create", "/courses", {"title": "Algebra", "seats": 3})

    assert response.status_code == 201
    assert response.headers.get("Content-Type") == "application/json"
    assert json.loads(response.get_body()) == {"id": "c-1", "title": "Algebra", "seats": 3}


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json", None]
)
def test_json_content_types_and_a_missing_one_are_accepted(content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = call(
        "t_pipeline_courses_create",
        "POST",
        BASE + "/courses",
        headers=headers,
        body=b'{"title": "Algebra", "seats": 3}',
    )

    assert response.status_code == 201


def test_bad_fields_are_a_422_listing_each_field():
    response = post_json(
        "t_pipeline_courses_create",
        "/courses",
        {"title": "", "seats": 0, "password": ["hunter2-not-a-string"]},
        headers=ASKS_FOR_PROBLEMS,
    )

    assert response.status_code == 422
    body = problem(response)
    assert body["detail"] == "The body is not valid"
    locs = {tuple(e["loc"]): e for e in body["errors"]}
    assert set(locs) == {("body", "title"), ("body", "seats"), ("body", "password")}
    assert locs[("body", "seats")]["type"] == "greater_than_equal"
    assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])
    # What the client sent is not echoed: it may be a password.
    assert b"hunter2" not in response.get_body()


def test_a_missing_field_is_a_422_with_type_missing():
    response = post_json(
        "t_pipeline_courses_create", "/courses", {"title": "Algebra"}, headers=ASKS_FOR_PROBLEMS
    )

    assert problem(response)["errors"] == [
        {"loc": ["body", "seats"], "msg": "Field required", "type": "missing"}
    ]


@pytest.mark.parametrize("raw", [b"", b"   \n"])
def test_a_missing_body_is_a_422(raw):
    response = call(
        "t_pipeline_courses_create",
        "POST",
        BASE + "/courses",
        headers={"Content-Type": "application/json", **ASKS_FOR_PROBLEMS},
        body=raw,
    )

    assert response.status_code == 422
    body = problem(response)
    assert body["detail"] == "A JSON body is required"
    assert body["errors"] == [{"loc": ["body"], "msg": "Field required", "type": "missing"}]


@pytest.mark.parametrize("raw", [b"{not json", b'{"title": "x",}', b"\xff\xfe\x00garbage"])
def test_a_body_that_is_not_json_is_a_422(raw):
    response = call(
        "t_pipeline_courses_create",
        "POST",
        BASE + "/courses",
        headers={"Content-Type": "application/json", **ASKS_FOR_PROBLEMS},
        body=raw,
    )

    assert response.status_code == 422
    body = problem(response)
    assert body["detail"] == "The body is not valid JSON"
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["body"], "json_invalid")]


def test_a_json_array_where_an_object_is_expected_is_a_422():
    response = post_json("t_pipeline_courses_create", "/courses", [1, 2], headers=ASKS_FOR_PROBLEMS)

    assert response.status_code == 422
    assert problem(response)["errors"][0]["loc"] == ["body"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_by_content_type_is_a_415(content_type):
    response = call(
        "t_pipeline_courses_create",
        "POST",
        BASE + "/courses",
        headers={"Content-Type": content_type},
        body=b'{"title": "Algebra", "seats": 3}',
    )

    assert response.status_code == 415
    assert content_type in problem(response)["detail"]


# --- body size


def test_a_body_declared_above_the_limit_is_a_413():
    response = call(
        "t_pipeline_notes_create",
        "POST",
        BASE + "/notes",
        headers={"Content-Type": "application/json", "Content-Length": str(BODY_LIMIT + 1)},
        body=b'{"text": "short"}',
    )

    assert response.status_code == 413
    assert problem(response)["detail"] == (
        f"The body has {BODY_LIMIT + 1} bytes; the limit here is {BODY_LIMIT} bytes"
    )


def test_a_body_above_the_limit_without_content_length_is_a_413():
    response = post_json("t_pipeline_notes_create", "/notes", {"text": "x" * BODY_LIMIT})

    assert response.status_code == 413


def test_a_content_length_that_understates_the_body_does_not_get_it_past_the_limit():
    response = post_json(
        "t_pipeline_notes_create",
        "/notes",
        {"text": "x" * BODY_LIMIT},
        headers={"Content-Length": "20"},
    )

    assert response.status_code == 413


def test_a_body_at_the_limit_is_accepted():
    text = "x" * (BODY_LIMIT - len(b'{"text": ""}'))

    response = post_json("t_pipeline_notes_create", "/notes", {"text": text})

    assert response.status_code == 200
    assert json.loads(response.get_body()) == {"length": len(text)}


def test_a_route_may_set_a_lower_body_limit():
    note = {"text": "x" * 150}

    assert post_json("t_pipeline_notes_small", "/notes/small", note).status_code == 413
    assert post_json("t_pipeline_notes_create", "/notes", note).status_code == 200


def test_a_route_may_set_a_higher_body_limit():
    note = {"text": "x" * (4 * BODY_LIMIT)}

    assert post_json("t_pipeline_notes_large", "/notes/large", note).status_code == 200
    assert post_json("t_pipeline_notes_create", "/notes", note).status_code == 413


# --- query and route parameters


def test_query_parameters_become_the_query_model():
    response = call(
        "t_pipeline_courses_list", "GET", BASE + "/courses?page=3", params={"page": "3"}
    )

    assert json.loads(response.get_body()) == {"page": 3, "size": 20}


def test_bad_query_parameters_are_a_422_located_in_the_query():
    response = call(
        "t_pipeline_courses_list",
        "GET",
        BASE + "/courses",
        params={"page": "0", "size": "many"},
        headers=ASKS_FOR_PROBLEMS,
    )

    assert response.status_code == 422
    body = problem(response)
    assert body["detail"] == "Query parameters are not valid"
    assert sorted(e["loc"] for e in body["errors"]) == [["query", "page"], ["query", "size"]]


def test_route_parameters_are_passed_by_name():
    response = call(
        "t_pipeline_lessons_get",
        "GET",
        BASE + "/courses/c-1/lessons/l-2",
        route_params={"course_id": "c-1", "lesson_id": "l-2"},
    )

    body = json.loads(response.get_body())
    assert (body["course_id"], body["lesson_id"]) == ("c-1", "l-2")


def test_the_route_sees_the_client_ip_the_trusted_proxy_appended():
    response = call(
        "t_pipeline_lessons_get",
        "GET",
        BASE + "/courses/c-1/lessons/l-2",
        headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.7:50123"},
        route_params={"course_id": "c-1", "lesson_id": "l-2"},
    )

    assert json.loads(response.get_body())["client_ip"] == "203.0.113.7"


# --- errors


@pytest.mark.parametrize(
    ("kind", "status", "title"),
    [
        ("not-found", 404, "Not Found"),
        ("not-found-subclass", 404, "Not Found"),
        ("conflict", 409, "Conflict"),
        ("unauthenticated", 401, "Unauthorized"),
        ("forbidden", 403, "Forbidden"),
        ("rule", 400, "Bad Request"),
        ("rate", 429, "Too Many Requests"),
        ("unavailable", 503, "Service Unavailable"),
        ("plain-domain", 400, "Bad Request"),
    ],
)
def test_each_domain_error_family_has_its_status(kind, status, title):
    response = raise_error(kind)

    assert response.status_code == status
    body = problem(response)
    assert (body["status"], body["title"]) == (status, title)
    assert body["detail"] == ERRORS[kind].detail  # type: ignore[attr-defined]


def test_authentication_required_asks_for_a_bearer_token():
    assert raise_error("unauthenticated").headers.get("WWW-Authenticate") == "Bearer"
    assert raise_error("forbidden").headers.get("WWW-Authenticate") is None


def test_rate_limited_says_when_to_retry_and_never_zero_seconds():
    assert raise_error("rate").headers.get("Retry-After") == "60"
    assert raise_error("rate-now").headers.get("Retry-After") == "1"


def test_a_problem_body_has_every_field_and_the_problem_content_type():
    response = raise_error("not-found", headers={"X-Request-ID": "trace-1"})

    assert response.mimetype == "application/problem+json"
    assert problem(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Course 42 does not exist",
        "instance": "/api/v1/t-pipeline/errors/not-found",
        "request_id": "trace-1",
    }


def test_an_unexpected_exception_is_a_500_that_shows_nothing_of_it(caplog):
    with caplog.at_level(logging.ERROR, logger="lms.http"):
        response = raise_error("crash")

    assert response.status_code == 500
    body = problem(response)
    assert body["detail"] == "Internal server error"
    raw = response.get_body()
    for leak in (b"Traceback", b"RuntimeError", b"hunter2", b"postgresql"):
        assert leak not in raw
    [record] = [r for r in caplog.records if r.name == "lms.http"]
    assert "t_pipeline_errors_raise" in record.getMessage()
    assert record.exc_info is not None
    assert "RuntimeError" in "".join(traceback.format_exception(*record.exc_info))


def test_the_log_line_of_an_unexpected_exception_carries_the_request_id_redacted():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("lms.http")
    logger.addHandler(handler)
    try:
        response = raise_error("crash")
    finally:
        logger.removeHandler(handler)

    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["request_id"] == response.headers.get("X-Request-ID")
    assert "RuntimeError" in entry["exception"]
    assert "hunter2" not in entry["exception"]


def test_a_response_that_does_not_match_the_response_model_is_a_500():
    response = call(
        "t_pipeline_validated_get",
        "GET",
        BASE + "/validated/bad",
        route_params={"variant": "bad"},
    )

    assert response.status_code == 500
    assert problem(response)["detail"] == "Internal server error"


# --- request id


def test_a_well_formed_request_id_is_echoed():
    response = raise_error("not-found", headers={"X-Request-ID": "abc-123.trace:7_x"})

    assert response.headers.get("X-Request-ID") == "abc-123.trace:7_x"


@pytest.mark.parametrize(
    "incoming", ["abc\n", "abc\nSet-Cookie: x=1", "a" * 300, "has space", "", "caf\u00e9"]
)
def test_a_malformed_request_id_is_replaced(incoming):
    response = raise_error("not-found", headers={"X-Request-ID": incoming})

    replaced = response.headers.get("X-Request-ID")
    assert replaced != incoming
    assert len(replaced) == 32 and int(replaced, 16) >= 0
    assert problem(response)["request_id"] == replaced


def test_a_request_without_an_id_gets_a_fresh_one_each_time():
    first = raise_error("not-found").headers.get("X-Request-ID")
    second = raise_error("not-found").headers.get("X-Request-ID")

    assert first and second and first != second


# --- headers


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Permitted-Cross-Domain-Policies": "none",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "send",
    [
        lambda: post_json("t_pipeline_courses_create", "/courses", {"title": "A", "seats": 1}),
        lambda: raise_error("not-found"),
        lambda: raise_error("crash"),
        lambda: post_json("t_pipeline_courses_create", "/courses", {}),
    ],
    ids=["201", "404", "500", "422"],
)
def test_security_headers_are_on_success_and_error_responses(send):
    response = send()

    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value
    assert "default-src 'none'" in response.headers.get("Content-Security-Policy")
    assert response.headers.get("Strict-Transport-Security") is None


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("https://lms.example.org/api/v1/t-pipeline/errors/not-found", {}),
        (BASE + "/errors/not-found", {"X-Forwarded-Proto": "https"}),
        (BASE + "/errors/not-found", {"X-Forwarded-Proto": "http, https"}),
    ],
)
def test_hsts_is_sent_only_over_https(url, headers):
    response = call(
        "t_pipeline_errors_raise", "GET", url, headers=headers, route_params={"kind": "not-found"}
    )

    assert response.headers.get("Strict-Transport-Security").startswith("max-age=")


def test_hsts_is_not_sent_when_the_last_proxy_saw_http():
    response = raise_error("not-found", headers={"X-Forwarded-Proto": "https, http"})

    assert response.headers.get("Strict-Transport-Security") is None


def test_an_allowed_origin_gets_cors_headers_with_credentials():
    response = raise_error("not-found", headers={"Origin": ALLOWED_ORIGIN})

    assert response.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert response.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "X-Request-ID" in response.headers.get("Access-Control-Expose-Headers")
    assert "Origin" in vary(response)


@pytest.mark.parametrize("origin", ["https://evil.example.org", "null", None])
def test_any_other_origin_gets_no_cors_headers_but_still_varies_on_origin(origin):
    response = raise_error("not-found", headers={"Origin": origin} if origin else {})

    assert response.headers.get("Access-Control-Allow-Origin") is None
    assert response.headers.get("Access-Control-Allow-Credentials") is None
    assert "Origin" in vary(response)


# --- compression


def blob(size: int, accept_encoding: str | None) -> func.HttpResponse:
    return call(
        "t_pipeline_blob_get",
        "GET",
        f"{BASE}/blob/{size}",
        headers={"Accept-Encoding": accept_encoding} if accept_encoding else {},
        route_params={"size": str(size)},
    )


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*"])
def test_a_large_response_is_gzipped_when_the_client_accepts_it(accept):
    response = blob(5000, accept)

    assert response.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in vary(response)
    assert len(response.get_body()) < 5000
    assert json.loads(gzip.decompress(response.get_body())) == {"data": "a" * 5000}


@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", None, "*;q=0"])
def test_a_large_response_is_not_gzipped_when_the_client_refuses_it(accept):
    response = blob(5000, accept)

    assert response.headers.get("Content-Encoding") is None
    assert json.loads(response.get_body()) == {"data": "a" * 5000}
    assert "Accept-Encoding" in vary(response)


def test_a_small_response_is_not_gzipped():
    response = blob(100, "gzip")

    assert response.headers.get("Content-Encoding") is None
    assert json.loads(response.get_body()) == {"data": "a" * 100}
    assert "Accept-Encoding" in vary(response)


# --- what a route returns


def test_none_is_a_204_with_an_empty_body():
    response = call(
        "t_pipeline_courses_delete",
        "DELETE",
        BASE + "/courses/c-1",
        route_params={"course_id": "c-1"},
    )

    assert response.status_code == 204
    assert response.get_body() == b""
    assert response.headers.get("X-Request-ID")


def test_a_returned_dict_is_validated_into_the_response_model():
    response = call(
        "t_pipeline_validated_get",
        "GET",
        BASE + "/validated/good",
        route_params={"variant": "good"},
    )

    assert response.status_code == 200
    assert json.loads(response.get_body()) == {"id": "c-9", "title": "Algebra", "seats": 12}


def test_a_returned_http_response_passes_through_with_headers_added():
    response = call(
        "t_pipeline_page_get",
        "GET",
        BASE + "/page",
        headers={"Origin": ALLOWED_ORIGIN, "X-Request-ID": "page-1"},
    )

    assert response.status_code == 202
    assert response.get_body().startswith(b"<p>hello ")
    assert response.mimetype == "text/html"
    assert response.headers.get("Content-Type").startswith("text/html")
    assert response.headers.get("X-Custom") == "kept"
    assert response.headers.get("X-Request-ID") == "page-1"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    # The route's own policy wins over the API default.
    assert response.headers.get("Content-Security-Policy") == "default-src 'self'"


def test_a_returned_html_page_is_gzipped_like_any_text():
    response = call(
        "t_pipeline_page_get", "GET", BASE + "/page", headers={"Accept-Encoding": "gzip"}
    )

    assert response.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(response.get_body()).startswith(b"<p>hello ")
