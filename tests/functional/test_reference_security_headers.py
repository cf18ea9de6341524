"""The reference app's security headers, kept on every answer (reference §3.7)."""

from __future__ import annotations

import uuid

import pytest

from tests.function_calls import call_http

REFERENCE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Permitted-Cross-Domain-Policies": "none",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def test_a_success_carries_every_security_header_the_reference_app_sent() -> None:
    response = call_http("health_check", "GET", "/api/v1/health")

    assert response.status_code == 200
    assert {name: response.headers.get(name) for name in REFERENCE_HEADERS} == REFERENCE_HEADERS


@pytest.mark.usefixtures("database_url")
def test_an_error_carries_every_security_header_the_reference_app_sent() -> None:
    course_id = str(uuid.uuid4())
    response = call_http(
        "courses_get",
        "GET",
        f"/api/v1/courses/{course_id}",
        route_params={"course_id": course_id},
    )

    assert response.status_code == 404
    assert {name: response.headers.get(name) for name in REFERENCE_HEADERS} == REFERENCE_HEADERS
