"""422 bodies keep the reference's shape: FastAPI's list of `{loc, msg, type}` in `detail`,
which existing clients loop over. A client that asks for application/problem+json gets the
RFC 9457 form instead; every other error is a problem document whatever the client accepts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import azure.functions as func
import pytest

from tests.function_calls import call_http, json_of

pytestmark = pytest.mark.usefixtures("database_url")

BAD_REGISTRATION = {"email": "not-an-email", "full_name": "Ada Lovelace", "password": "short"}


def register(data: dict[str, Any], accept: str | None = None) -> func.HttpResponse:
    headers = {"Accept": accept} if accept is not None else {}
    return call_http(
        "auth_register", "POST", "/api/v1/auth/register", json_body=data, headers=headers
    )


def vary(response: func.HttpResponse) -> set[str]:
    return {v.strip() for v in (response.headers.get("Vary") or "").split(",")}


def test_a_422_lists_each_invalid_field_in_detail_as_the_reference_did() -> None:
    response = register(BAD_REGISTRATION)

    assert response.status_code == 422
    assert response.headers.get("Content-Type") == "application/json"
    body = json_of(response)
    assert isinstance(body["detail"], list)
    assert {tuple(error["loc"]) for error in body["detail"]} == {
        ("body", "email"),
        ("body", "password"),
    }
    assert all(set(error) == {"loc", "msg", "type"} for error in body["detail"])
    assert all(error["msg"] for error in body["detail"])
    assert (body["type"], body["title"], body["status"]) == (
        "about:blank",
        "Unprocessable Entity",
        422,
    )
    assert body["request_id"] == response.headers.get("X-Request-ID")
    assert "errors" not in body
    assert "Accept" in vary(response)


@pytest.mark.parametrize(
    "accept",
    ["*/*", "application/json", "application/json, application/problem+json;q=0.5"],
    ids=["anything", "json", "json ranked above problem+json"],
)
def test_a_422_keeps_the_reference_list_for_clients_that_do_not_prefer_problem_json(
    accept: str,
) -> None:
    response = register(BAD_REGISTRATION, accept=accept)

    assert response.status_code == 422
    assert response.headers.get("Content-Type") == "application/json"
    assert json_of(response)["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    "accept",
    [
        "application/problem+json",
        "application/problem+json, application/json;q=0.9",
        "text/html;q=0.1, APPLICATION/PROBLEM+JSON",
    ],
)
def test_a_client_asking_for_problem_json_gets_detail_as_a_string_and_the_list_in_errors(
    accept: str,
) -> None:
    response = register(BAD_REGISTRATION, accept=accept)

    assert response.status_code == 422
    assert response.headers.get("Content-Type") == "application/problem+json"
    body = json_of(response)
    assert body["detail"] == "The body is not valid"
    assert {tuple(error["loc"]) for error in body["errors"]} == {
        ("body", "email"),
        ("body", "password"),
    }
    assert body["instance"] == "/api/v1/auth/register"
    assert "Accept" in vary(response)


def test_a_query_that_breaks_its_rules_lists_the_parameter_in_detail() -> None:
    response = call_http("courses_list", "GET", "/api/v1/courses?page=0&page_size=101")

    assert response.status_code == 422
    assert sorted(error["loc"] for error in json_of(response)["detail"]) == [
        ["query", "page"],
        ["query", "page_size"],
    ]


def test_a_form_that_cannot_be_decoded_still_lists_what_to_send_in_detail() -> None:
    response = call_http(
        "auth_token",
        "POST",
        "/api/v1/auth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"username=\xff\xfe&password=x",
    )

    assert response.status_code == 422
    assert json_of(response)["detail"] == [
        {
            "loc": ["body"],
            "msg": "The body is not valid application/x-www-form-urlencoded: "
            "send at most 20 UTF-8 name=value pairs",
            "type": "form_invalid",
        }
    ]


def test_a_form_missing_a_field_lists_it_in_detail() -> None:
    response = call_http(
        "auth_token",
        "POST",
        "/api/v1/auth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode({"username": "ada@example.org"}).encode(),
    )

    assert response.status_code == 422
    assert [error["loc"] for error in json_of(response)["detail"]] == [["body", "password"]]


@pytest.mark.parametrize("accept", [None, "application/json", "application/problem+json"])
def test_errors_other_than_422_keep_the_reference_detail_string_whatever_the_client_accepts(
    accept: str | None,
) -> None:
    headers = {"Accept": accept} if accept else {}

    response = call_http("users_me", "GET", "/api/v1/users/me", headers=headers)

    assert response.status_code == 401
    assert response.headers.get("Content-Type") == "application/problem+json"
    body = json_of(response)
    assert body["detail"] == "Not authenticated"
    assert "errors" not in body
    assert "Accept" not in vary(response)
