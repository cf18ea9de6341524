"""Revoking (admins, with a reason, for good) and the public checks by number and by id."""

from __future__ import annotations

from typing import Any

import pytest

from tests.function_calls import json_of
from tests.functional.certificates.calls import (
    admin_token,
    certified_world,
    delivered_mail,
    revoke,
    text_of,
    verify_id,
    verify_number,
)
from tests.functional.enrollments.calls import of_type

pytestmark = pytest.mark.usefixtures("database_url")


def test_a_valid_certificate_verifies_by_number_and_by_id_with_the_names() -> None:
    world = certified_world()
    number = world.certificate.certificate_number

    by_number = json_of(verify_number(number))
    by_lower_case_number = json_of(verify_number(number.lower()))
    by_id = verify_id(world.certificate_id)

    assert by_number["valid"] is True
    assert by_number["message"] == "Certificate is valid"
    assert by_number["certificate"]["student_name"] == "Katherine Johnson"
    assert by_number["certificate"]["course_title"] == "Orbital Mechanics"
    assert by_lower_case_number == by_number
    assert by_id.status_code == 200
    assert json_of(by_id) == by_number["certificate"]


def test_an_unknown_certificate_does_not_verify() -> None:
    certified_world()

    assert json_of(verify_number("CERT-20260101-0000000000")) == {
        "valid": False,
        "certificate": None,
        "message": "Certificate not found",
    }
    response = verify_id("6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f")
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Certificate not found or invalid"


def test_revoking_takes_a_reason_and_the_certificate_then_verifies_as_revoked() -> None:
    world = certified_world()
    number = world.certificate.certificate_number

    response = revoke(admin_token(), world.certificate_id, "  Plagiarised final project  ")

    assert response.status_code == 200
    revoked = json_of(response)
    assert revoked["is_revoked"] is True
    assert revoked["revoked_at"] is not None
    assert revoked["revocation_reason"] == "Plagiarised final project"
    check = json_of(verify_number(number))
    assert check["valid"] is False
    assert check["certificate"]["revoked_at"] == revoked["revoked_at"]
    assert check["message"].startswith(f"Certificate {number} was revoked on ")
    assert check["message"].endswith(": Plagiarised final project")
    by_id = verify_id(world.certificate_id)
    assert by_id.status_code == 410
    assert json_of(by_id)["detail"] == check["message"]


@pytest.mark.parametrize("reason", [None, "", "  ", "x" * 501])
def test_a_revocation_without_a_proper_reason_is_refused(reason: Any) -> None:
    world = certified_world()

    response = revoke(admin_token(), world.certificate_id, reason)

    assert response.status_code == 422
    assert json_of(verify_number(world.certificate.certificate_number))["valid"] is True


def test_revocation_is_final() -> None:
    world = certified_world()
    token = admin_token()
    revoke(token, world.certificate_id, "First reason")

    again = revoke(token, world.certificate_id, "Second reason")

    assert again.status_code == 409
    assert "Revocation is final" in json_of(again)["detail"]
    assert world.certificate.revocation_reason == "First reason"


def test_only_admins_revoke() -> None:
    world = certified_world()
    for token in (world.student_token, world.instructor_token):
        assert revoke(token, world.certificate_id).status_code == 403
    assert world.certificate.is_revoked is False
    assert revoke(admin_token(), world.enrollment.id).status_code == 404


def test_the_student_is_mailed_at_issue_and_at_revocation_and_subscribers_are_told() -> None:
    world = certified_world()
    number = world.certificate.certificate_number

    revoke(admin_token(), world.certificate_id, "Plagiarised final project")

    *_, issued, revoked = delivered_mail()
    assert issued["To"] == revoked["To"] == world.student.email
    assert issued["Subject"] == "Your certificate for Orbital Mechanics"
    assert f"http://localhost:7071/api/v1/certificates/verify/{number}" in text_of(issued)
    assert revoked["Subject"] == "Your certificate for Orbital Mechanics was revoked"
    assert "Plagiarised final project" in text_of(revoked)
    assert number in text_of(revoked)
    [event] = of_type("webhooks", "certificate.revoked")
    assert event["certificate_id"] == str(world.certificate_id)
    assert event["reason"] == "Plagiarised final project"
    assert len(of_type("webhooks", "certificate.issued")) == 1
