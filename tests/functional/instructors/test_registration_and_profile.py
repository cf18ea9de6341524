"""POST /instructors/register (ADM+), then the instructor's own onboarding status, profile
and verification request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.domain.instructors import InstructorProfile
from shared.domain.users import Role
from tests.accounts import access_token, bearer, demote, load_user, make_user
from tests.function_calls import call_http, json_of
from tests.unit_of_work import unit_of_work

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


def count_instructor_profiles() -> int:
    with unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(InstructorProfile)) or 0


def stored_profile(profile_id: uuid.UUID) -> InstructorProfile:
    with unit_of_work() as uow:
        profile = uow.session.get(InstructorProfile, profile_id)
        assert profile is not None
        uow.session.expunge_all()
        return profile


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
    assert body["onboarding_status"]["step"] == "profile"
    assert body["onboarding_status"]["current_step"] == "profile"
    assert body["onboarding_status"]["progress_percentage"] == 50
    assert body["onboarding_status"]["total_steps"] == 4


# The refused insert rolls back on PostgreSQL too, leaving the address's owner as it was.
@pytest.mark.postgres
def test_register_with_a_registered_email_is_400_failed_to_create_instructor_account() -> None:
    student, _ = make_user(email="teacher@example.org")

    response = register(register_body())

    assert response.status_code == 400
    assert json_of(response)["detail"] == (
        "Failed to create instructor account: Email is already registered"
    )
    user = load_user(student.id)
    assert user is not None and user.role == Role.STUDENT.value
    assert count_instructor_profiles() == 0


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
    assert body["step"] == "profile"
    assert body["current_step"] == "profile"
    assert body["progress_percentage"] == 50
    assert '"progress_percentage":50,' in response.get_body().decode().replace(" ", "")
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
    assert body["onboarding_status"]["current_step"] == "verification"
    assert body["onboarding_status"]["progress_percentage"] == 75
    assert body["onboarding_status"]["verification_submitted"] is True
    # Submitted is not verified: an admin has yet to approve.
    assert body["onboarding_status"]["needs_verification"] is True


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


NO_PROFILE_STATUS = {
    "step": "account_setup",
    "completed_steps": [],
    "current_step": "account_setup",
    "total_steps": 4,
    "progress_percentage": 25,
    "is_complete": False,
    "needs_verification": True,
    "verification_required": True,
    "verification_submitted": False,
    "verification_approved": False,
}


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT, Role.ADMIN])
def test_onboarding_status_without_an_instructor_profile_is_the_reference_default(
    role: Role,
) -> None:
    _, token = make_user(role=role)

    response = status(token)

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    last_updated = datetime.fromisoformat(body.pop("last_updated"))
    assert body == NO_PROFILE_STATUS
    assert abs(last_updated - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT])
def test_profile_update_without_an_instructor_profile_is_400_instructor_not_found(
    role: Role,
) -> None:
    _, token = make_user(role=role)

    response = put_profile({"bio": "Some new biography."}, token)

    assert response.status_code == 400
    assert json_of(response)["detail"] == (
        "Failed to update instructor profile: Instructor not found"
    )
    assert count_instructor_profiles() == 0


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT])
def test_verification_without_an_instructor_profile_is_400_failed_to_submit(role: Role) -> None:
    _, token = make_user(role=role)

    response = submit(VERIFY, token)

    assert response.status_code == 400
    assert json_of(response)["detail"] == "Failed to submit verification: Instructor not found"
    assert count_instructor_profiles() == 0


@pytest.mark.postgres
def test_a_demoted_instructors_profile_is_no_longer_theirs_to_use() -> None:
    body, _ = registered_instructor()
    demote(uuid.UUID(body["user"]["id"]))
    user = load_user(uuid.UUID(body["user"]["id"]))
    assert user is not None
    token = access_token(user)

    assert json_of(status(token))["completed_steps"] == []
    assert put_profile({"bio": "Still teaching, I think."}, token).status_code == 400
    assert submit(VERIFY, token).status_code == 400
    assert stored_profile(uuid.UUID(body["instructor"]["id"])).verification_status == "pending"
