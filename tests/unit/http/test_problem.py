"""Problem details and the Reply under construction."""

from __future__ import annotations

import json

import pytest

from shared.http.problem import (
    PROBLEM_CONTENT_TYPE,
    HttpProblem,
    Reply,
    prefers_problem_json,
    problem_reply,
    validation_reply,
)


def test_a_problem_reply_has_the_rfc_9457_fields_and_the_reference_detail():
    reply = problem_reply(409, "Already enrolled", instance="/api/v1/enrollments", request_id="r1")

    assert reply.status == 409
    assert reply.headers == {"Content-Type": PROBLEM_CONTENT_TYPE}
    assert json.loads(reply.body) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Already enrolled",
        "instance": "/api/v1/enrollments",
        "request_id": "r1",
    }


def test_errors_are_included_only_when_given():
    errors = [{"loc": ["body", "email"], "msg": "Field required", "type": "missing"}]

    with_errors = problem_reply(422, "bad", instance="/", request_id="r", errors=errors)
    without = problem_reply(400, "bad", instance="/", request_id="r")

    assert json.loads(with_errors.body)["errors"] == errors
    assert "errors" not in json.loads(without.body)


def test_extra_headers_are_kept_but_cannot_change_the_content_type():
    reply = problem_reply(
        429,
        "slow down",
        instance="/",
        request_id="r",
        headers={"Retry-After": "5", "Content-Type": "text/plain"},
    )

    assert reply.headers == {"Retry-After": "5", "Content-Type": PROBLEM_CONTENT_TYPE}


def test_the_headers_passed_in_are_not_modified():
    headers = {"Retry-After": "5"}

    problem_reply(429, "slow down", instance="/", request_id="r", headers=headers)

    assert headers == {"Retry-After": "5"}


def test_an_http_problem_carries_its_status_detail_headers_and_errors():
    problem = HttpProblem(413, "too big", headers={"X-Limit": "10"})

    assert (problem.status, problem.detail, str(problem)) == (413, "too big", "too big")
    assert problem.headers == {"X-Limit": "10"}
    assert problem.errors is None
    assert HttpProblem(404, "gone").headers == {}


def test_set_default_does_not_override_a_header_in_another_case():
    reply = Reply(200, headers={"cache-control": "max-age=60"})

    reply.set_default("Cache-Control", "no-store")
    reply.set_default("X-Frame-Options", "DENY")

    assert reply.headers == {"cache-control": "max-age=60", "X-Frame-Options": "DENY"}


def test_get_finds_a_header_whatever_its_case():
    reply = Reply(200, headers={"content-type": "application/json"})

    assert reply.get("Content-Type") == "application/json"
    assert reply.get("Content-Encoding") is None


@pytest.mark.parametrize(
    ("existing", "added", "expected"),
    [
        (None, "Origin", "Origin"),
        ("Origin", "Accept-Encoding", "Origin, Accept-Encoding"),
        ("Origin, Accept-Encoding", "accept-encoding", "Origin, Accept-Encoding"),
        ("Cookie", "Origin", "Cookie, Origin"),
    ],
)
def test_append_vary_adds_each_value_once(existing, added, expected):
    reply = Reply(200, headers={} if existing is None else {"vary": existing})

    reply.append_vary(added)

    assert reply.get("Vary") == expected
    assert len(reply.headers) == 1


def test_a_validation_reply_carries_the_list_in_detail_as_plain_json():
    errors = [{"loc": ["body", "email"], "msg": "Field required", "type": "missing"}]

    reply = validation_reply(errors, instance="/x", request_id="r1")

    assert (reply.status, reply.headers) == (422, {"Content-Type": "application/json"})
    assert json.loads(reply.body) == {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": errors,
        "instance": "/x",
        "request_id": "r1",
    }


@pytest.mark.parametrize(
    ("accept", "prefers"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/*", False),
        ("application/json", False),
        ("application/problem+json", True),
        ("application/problem+json;q=0", False),
        ("application/problem+json;q=0.5, application/json", False),
        ("application/json;q=0.5, application/problem+json", True),
        ("application/json, application/problem+json", True),
        ("application/problem+json;q=oops", False),
        (" Application/Problem+JSON ; charset=utf-8", True),
    ],
)
def test_problem_json_is_preferred_only_when_named_and_not_ranked_below_json(accept, prefers):
    assert prefers_problem_json(accept) is prefers
