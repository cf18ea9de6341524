"""POST /instructors/register (ADM+), then the instructor's own onboarding status, profile
and verification request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.users import Role
from tests.accounts import access_token, bearer, load_user, make_user
from tests.function_calls import call_http, json_of

pytestmark = pytest.mark.usefixtures("database_url")


def register_body(email: str = "teacher@example.org", **changes: Any) -> dict[str, Any]:
    return {
        "email": email,
        "password": "teach-me-please",
        "full_name": "Grace Hopper",
        "role": "instructor",
        "bio": "Compilers, COBOL and nanoseconds.",
        "expertise": ["compilers", "cobol"],
        "teaching_experience_years": 12,
        "education_level": "PhD",
        "institution": "Yale",
        **changes,
    }


def register(body: dict[str, Any], token: str | None = None) -> Any:
    token = token or make_user(role=Role.ADMIN, admin_setup_complete=True)[1]
    return call_http(
        "instructors_register",
        "POST",
        "/api/v1/instructors/register",
        headers=bearer(token),
        json_body=body,
    )


def registered_instructor(email: str = "teacher@example.org") -> tuple[dict[str, Any], str]:
    """A registered instructor's register response and an access token for them."""
    body = json_of(register(register_body(email)))
    user = load_user(uuid.UUID(body["user"]["id"]))
    assert user is not None
    return body, access_token(user)


def status(token: str) -> Any:
    return call_http(
        "instructors_onboarding_status",
        "GET",
        "/api/v1/instructors/onboarding-status",
        headers=bearer(token),
    )


def put_profile(body: dict[str, Any], token: str) -> Any:
    return call_http(
        "instructors_update_profile",
        "PUT",
        "/api/v1/instructors/profile",
        headers=bearer(token),
        json_body=body,
    )


def submit(body: dict[str, Any], token: str) -> Any:
    return call_http(
        "instructors_submit_verification",
        "POST",
        "/api/v1/instructors/verify",
        headers=bearer(token),
        json_body=body,
    )


VERIFY = {
    "document_type": "diploma",
    "document_url": "https://files.example.org/diploma.pdf",
    "verification_notes": "Scanned original",
    "consent_to_verify": True,
}


def test_register_creates_an_instructor_with_an_unverified_profile() -> None:
    response = register(
        register_body(phone="+3161234", website="https://g.example", social_media={})
    )

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["message"] == "Instructor account created successfully"
    assert body["user"]["role"] == "instructor"
    assert body["user"]["email"] == "teacher@example.org"
    instructor = body["instructor"]
    assert instructor["user_id"] == body["user"]["id"]
    assert instructor["is_verified"] is False
    assert instructor["verification_status"] == "pending"
    assert instructor["expertise"] == ["compilers", "cobol"]
    assert "phone" not in instructor
    assert body["verification_required"] is True
    expires = datetime.fromisoformat(body["verification_expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
    assert body["onboarding_status"]["completed_steps"] == ["account_setup", "profile"]
    assert body["onboarding_status"]["total_steps"] == 4


def test_register_with_a_registered_email_is_409() -> None:
    make_user(email="teacher@example.org")
    assert register(register_body()).status_code == 409


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "student"},
        {"role": "admin"},
        {"password": "short"},
        {"bio": "too short"},
        {"expertise": []},
        {"expertise": [f"t{i}" for i in range(11)]},
        {"teaching_experience_years": 51},
        {"teaching_experience_years": -1},
        {"education_level": "x" * 101},
        {"phone": "1" * 21},
    ],
)
def test_register_refuses_an_invalid_body_with_422(changes: dict[str, Any]) -> None:
    assert register(register_body(**changes)).status_code == 422


def test_onboarding_status_of_a_new_instructor_asks_for_verification() -> None:
    _, token = registered_instructor()
    response = status(token)
    assert response.status_code == 200
    body = json_of(response)
    assert body["current_step"] == "verification"
    assert body["progress_percentage"] == 50.0
    assert body["needs_verification"] is True
    assert body["verification_required"] is True
    assert body["verification_submitted"] is False
    assert body["verification_approved"] is False
    assert body["is_complete"] is False


def test_profile_update_changes_the_fields_sent() -> None:
    _, token = registered_instructor()
    response = put_profile(
        {
            "bio": "Now teaching distributed systems.",
            "expertise": ["distributed"],
            "institution": None,
        },
        token,
    )
    assert response.status_code == 200, response.get_body()
    instructor = json_of(response)["instructor"]
    assert instructor["bio"] == "Now teaching distributed systems."
    assert instructor["expertise"] == ["distributed"]
    assert instructor["institution"] == "Yale"


@pytest.mark.parametrize(
    "field, value", [("verification_status", "verified"), ("is_verified", True)]
)
def test_an_instructor_cannot_set_their_own_verification_outcome(field: str, value: Any) -> None:
    _, token = registered_instructor()
    response = put_profile({field: value, "bio": "Trying to verify myself."}, token)
    assert response.status_code == 422
    assert json_of(response)["detail"][0]["loc"] == ["body", field]
    assert json_of(status(token))["verification_approved"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"bio": "short"},
        {"expertise": []},
        {"verification_document_url": "javascript:alert(1)"},
        {"teaching_experience_years": 99},
    ],
)
def test_profile_update_refuses_invalid_values_with_422(body: dict[str, Any]) -> None:
    _, token = registered_instructor()
    assert put_profile(body, token).status_code == 422


def test_submitting_verification_marks_it_submitted_and_stores_the_document() -> None:
    _, token = registered_instructor()
    response = submit(VERIFY, token)
    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["instructor"]["verification_status"] == "submitted"
    assert body["instructor"]["verification_document_url"] == VERIFY["document_url"]
    assert body["instructor"]["verification_notes"] == "Scanned original"
    assert body["instructor"]["is_verified"] is False
    assert body["onboarding_status"]["current_step"] == "complete"
    assert body["onboarding_status"]["verification_submitted"] is True
    assert body["onboarding_status"]["needs_verification"] is False


@pytest.mark.parametrize(
    "changes",
    [
        {"consent_to_verify": False},
        {"document_url": "ftp://files.example.org/x.pdf"},
        {"document_url": "https://e.org/" + "x" * 1000},
        {"document_type": "x" * 51},
    ],
)
def test_submitting_verification_refuses_an_invalid_request_with_422(
    changes: dict[str, Any],
) -> None:
    _, token = registered_instructor()
    assert submit({**VERIFY, **changes}, token).status_code == 422
    assert json_of(status(token))["verification_submitted"] is False


def test_a_user_without_an_instructor_profile_gets_400() -> None:
    _, token = make_user(role=Role.INSTRUCTOR)
    response = status(token)
    assert response.status_code == 400
    assert json_of(response)["detail"].startswith("Instructor profile not found")
    assert put_profile({"bio": "Some new biography."}, token).status_code == 400
    assert submit(VERIFY, token).status_code == 400


def test_students_may_not_use_the_instructor_routes() -> None:
    _, token = make_user()
    assert status(token).status_code == 403
    assert put_profile({"bio": "I am a student here."}, token).status_code == 403
    assert submit(VERIFY, token).status_code == 403
