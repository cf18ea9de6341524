"""GET /openapi.json: the reference served its schema there; ours is made from the registry."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openapi_spec_validator import validate

from shared import bootstrap
from shared.http import ROUTES
from shared.http.openapi import openapi_path
from tests.conftest import REPO_ROOT
from tests.function_calls import call_http, functions_by_name, json_of


def _document() -> dict:
    response = call_http("docs_openapi", "GET", "/openapi.json")
    assert response.status_code == 200, response.get_body()
    assert response.headers["Content-Type"].startswith("application/json")
    return json_of(response)


def test_openapi_json_documents_every_route_of_the_registry_once() -> None:
    functions_by_name()
    document = _document()

    documented = {
        (path, method.upper()): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    expected = {
        (openapi_path(route.path), route.method): route.name
        for route in ROUTES.values()
        if route.in_schema
    }
    assert documented == expected
    assert ("/api/v1/courses/{course_id}", "GET") in documented
    assert ("/", "GET") in documented
    # The documentation's own routes and the preflight are not operations of the API.
    assert "/openapi.json" not in document["paths"] and "/{path}" not in document["paths"]


def test_the_document_is_valid_openapi_3_1() -> None:
    document = _document()

    assert document["openapi"] == "3.1.0"
    validate(document)


def test_each_route_declares_its_access_rule_as_a_bearer_requirement() -> None:
    document = _document()
    operations = {
        op["operationId"]: op for ops in document["paths"].values() for op in ops.values()
    }

    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert operations["users_list"]["security"] == [{"bearerAuth": []}]
    assert operations["users_list"]["x-access"] == "admin+"
    assert "403" in operations["users_list"]["responses"]
    assert operations["courses_list"]["security"] == [{}, {"bearerAuth": []}]
    assert "security" not in operations["auth_login"]
    assert "401" not in operations["auth_login"]["responses"]


def test_bodies_queries_and_answers_come_from_the_pydantic_models() -> None:
    document = _document()
    courses = document["paths"]["/api/v1/courses"]
    schemas = document["components"]["schemas"]

    create = courses["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CourseCreate"
    }
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CourseOut"
    }
    assert "title" in schemas["CourseCreate"]["required"]
    query_names = {p["name"] for p in courses["get"]["parameters"] if p["in"] == "query"}
    assert {"page", "page_size"} <= query_names
    token = document["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in token
    (course_id,) = document["paths"]["/api/v1/courses/{course_id}"]["get"]["parameters"]
    assert course_id["schema"] == {"type": "string", "format": "uuid"}


def test_errors_are_documented_as_problem_json_and_deletes_as_no_content() -> None:
    document = _document()
    delete = document["paths"]["/api/v1/courses/{course_id}"]["delete"]

    assert delete["responses"]["204"] == {"description": "No Content"}
    problem = delete["responses"]["default"]["content"]["application/problem+json"]
    assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "request_id" in document["components"]["schemas"]["Problem"]["required"]
    enroll = document["paths"]["/api/v1/enrollments"]["post"]["responses"]
    assert {"200", "201"} <= set(enroll)


def test_a_file_download_is_documented_as_its_media_type_or_a_redirect() -> None:
    responses = _document()["paths"]["/api/v1/certificates/{certificate_id}/download"]["get"][
        "responses"
    ]

    assert responses["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    assert "Location" in responses["307"]["headers"]
    assert "content" not in responses["307"]
    files = _document()["paths"]["/api/v1/files/download/{file_id}"]["get"]["responses"]
    assert set(files) >= {"200", "307"}


def test_the_upload_is_documented_as_a_multipart_form_with_a_binary_file() -> None:
    upload = _document()["paths"]["/api/v1/files/upload"]["post"]

    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert {"folder", "is_public"} <= set(form["properties"])
    assert form["required"] == ["file"]
    assert {"201", "422", "429"} <= set(upload["responses"])


def test_openapi_json_answers_404_where_enable_api_docs_is_false(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENABLE_API_DOCS", "false")
    bootstrap.reset()

    for name, path in (("docs_openapi", "/openapi.json"), ("docs_swagger", "/docs")):
        response = call_http(name, "GET", path)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"


def test_importing_the_app_does_not_build_the_document() -> None:
    script = (
        "import function_app\n"
        "from functions_api import docs\n"
        "print(docs._document.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "0"
