"""Admins review instructor verifications: GET /instructors/pending, POST
/instructors/verify/approve/{id} and /instructors/verify/reject/{id} (all ADM+)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.domain.users import Role
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, json_of
from tests.functional.instructors.test_registration_and_profile import (
    VERIFY,
    registered_instructor,
    status,
    submit,
)
from tests.statements import counted_statements

pytestmark = pytest.mark.usefixtures("database_url")


def _admin() -> str:
    return make_user(role=Role.ADMIN, admin_setup_complete=True)[1]


def _decide(action: str, instructor_id: str, query: str = "", token: str | None = None) -> Any:
    return call_http(
        f"instructors_{action}",
        "POST",
        f"/api/v1/instructors/verify/{action}/{instructor_id}{query}",
        headers=bearer(token or _admin()),
        route_params={"instructor_id": instructor_id},
    )


def _pending(query: str = "", token: str | None = None) -> Any:
    return call_http(
        "instructors_pending",
        "GET",
        f"/api/v1/instructors/pending{query}",
        headers=bearer(token or _admin()),
    )


def _submitted(email: str) -> tuple[str, str]:
    """A registered instructor who submitted documents: (instructor id, their token)."""
    body, token = registered_instructor(email)
    assert submit(VERIFY, token).status_code == 200
    return body["instructor"]["id"], token


def test_approve_answers_instructor_verification_approved_with_the_admins_notes() -> None:
    instructor_id, token = _submitted("a@example.org")

    response = _decide("approve", instructor_id, "?admin_notes=Checked")

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["message"] == "Instructor verification approved"
    instructor = body["instructor"]
    assert instructor["is_verified"] is True
    assert instructor["verification_status"] == "verified"
    assert instructor["verification_notes"] == "Approved by admin. Checked"
    assert instructor["verification_expires_at"] is None
    onboarding = json_of(status(token))
    assert onboarding["is_complete"] is True
    assert onboarding["step"] == "complete"
    assert onboarding["current_step"] == "complete"
    assert onboarding["progress_percentage"] == 100
    assert onboarding["needs_verification"] is False


def test_approve_without_notes_says_approved_by_admin() -> None:
    instructor_id, _ = _submitted("a@example.org")
    body = json_of(_decide("approve", instructor_id))
    assert body["instructor"]["verification_notes"] == "Approved by admin."


def test_reject_records_the_reason_and_clears_is_verified() -> None:
    instructor_id, token = _submitted("a@example.org")
    assert _decide("approve", instructor_id).status_code == 200

    response = _decide("reject", instructor_id, "?rejection_reason=Expired")

    assert response.status_code == 200, response.get_body()
    instructor = json_of(response)["instructor"]
    assert instructor["verification_status"] == "rejected"
    assert instructor["verification_notes"] == "Expired"
    assert instructor["is_verified"] is False
    onboarding = json_of(status(token))
    assert onboarding["verification_approved"] is False
    assert onboarding["needs_verification"] is True
    # A rejected instructor may submit again.
    assert submit(VERIFY, token).status_code == 200


def test_a_verified_instructor_cannot_resubmit_verification() -> None:
    instructor_id, token = _submitted("a@example.org")
    _decide("approve", instructor_id)
    response = submit(VERIFY, token)
    assert response.status_code == 409
    assert json_of(status(token))["verification_approved"] is True


@pytest.mark.parametrize("query", ["", "?rejection_reason="])
def test_reject_needs_a_reason_422(query: str) -> None:
    instructor_id, _ = _submitted("a@example.org")
    assert _decide("reject", instructor_id, query).status_code == 422


@pytest.mark.parametrize("action, query", [("approve", ""), ("reject", "?rejection_reason=No")])
def test_deciding_on_an_unknown_instructor_is_404(action: str, query: str) -> None:
    response = _decide(action, str(uuid.uuid4()), query)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Instructor not found"


def test_the_id_is_the_instructor_profiles_not_the_users() -> None:
    body, _ = registered_instructor("a@example.org")
    assert _decide("approve", body["user"]["id"]).status_code == 404


def test_pending_lists_submitted_instructors_oldest_first_with_email_and_name() -> None:
    first, _ = _submitted("first@example.org")
    second, _ = _submitted("second@example.org")
    registered_instructor("not.submitted@example.org")
    third, _ = _submitted("third@example.org")
    _decide("approve", third)

    response = _pending()

    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["total"] == 2
    assert body["total_pages"] == 1
    assert [item["id"] for item in body["items"]] == [first, second]
    item = body["items"][0]
    assert item["email"] == "first@example.org"
    assert item["full_name"] == "Grace Hopper"
    assert item["verification_status"] == "submitted"
    assert item["verification_document_url"] == VERIFY["document_url"]


@pytest.mark.postgres
def test_pending_pages_with_one_count_and_one_joined_page_query() -> None:
    for index in range(3):
        _submitted(f"p{index}@example.org")
    token = _admin()
    with counted_statements() as statements:
        body = json_of(_pending("?page=2&page_size=2", token))

    assert body["total"] == 3
    assert body["total_pages"] == 2
    assert [item["email"] for item in body["items"]] == ["p2@example.org"]
    instructor_queries = [s for s in statements if "FROM instructors" in s]
    assert len(instructor_queries) == 2, instructor_queries
    assert not [s for s in statements if "FROM users" in s and "admins" not in s]


def test_pending_is_empty_when_nobody_waits() -> None:
    body = json_of(_pending())
    assert body == {"items": [], "total": 0, "page": 1, "page_size": 20, "total_pages": 0}


@pytest.mark.parametrize("route", ["pending", "approve", "reject"])
def test_review_routes_need_an_admin_whose_setup_is_complete(route: str) -> None:
    _, unfinished = make_user(role=Role.ADMIN, admin_setup_complete=False)
    _, instructor = make_user(role=Role.INSTRUCTOR)
    for token, detail in (
        (unfinished, "Admin setup must be completed before performing this action"),
        (instructor, "Not authorized to perform this action"),
    ):
        if route == "pending":
            response = _pending(token=token)
        else:
            response = _decide(route, str(uuid.uuid4()), "?rejection_reason=x", token=token)
        assert response.status_code == 403
        assert json_of(response)["detail"] == detail
