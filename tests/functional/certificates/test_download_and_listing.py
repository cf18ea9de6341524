"""Who may list and download certificates: the student, the course's instructor and admins;
never another student or instructor, and nobody once the certificate is revoked."""

from __future__ import annotations

import azure.functions as func
import pytest

from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.certificates.calls import (
    admin_token,
    certified_world,
    completed_world,
    course_list,
    download,
    issue,
    mine,
    revoke,
)
from tests.learning import make_enrollment

pytestmark = pytest.mark.usefixtures("database_url")


def _pdf_bytes_of(response: func.HttpResponse) -> bytes:
    assert response.status_code == 200, response.get_body()
    return bytes(response.get_body())


def test_the_student_downloads_the_pdf_named_after_its_number() -> None:
    world = certified_world()
    number = world.certificate.certificate_number

    response = download(world.student_token, world.certificate_id)

    body = _pdf_bytes_of(response)
    assert body.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{number}.pdf\"; filename*=UTF-8''{number}.pdf"
    )
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("who", ["course instructor", "admin"])
def test_the_course_instructor_and_admins_download_it_too(who: str) -> None:
    world = certified_world()
    token = world.instructor_token if who == "course instructor" else admin_token()

    assert _pdf_bytes_of(download(token, world.certificate_id)).startswith(b"%PDF-")


@pytest.mark.parametrize("who", [Role.STUDENT, Role.INSTRUCTOR])
def test_another_student_or_instructor_may_not_download_it(who: Role) -> None:
    world = certified_world()
    _, token = make_user(role=who)

    response = download(token, world.certificate_id)

    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to access this certificate"


def test_an_unknown_certificate_is_not_found() -> None:
    world = certified_world()
    response = download(world.student_token, world.enrollment.id)  # an id, not a certificate's
    assert response.status_code == 404


def test_a_revoked_certificate_is_gone_for_everyone_and_says_when_and_why() -> None:
    world = certified_world()
    assert revoke(admin_token(), world.certificate_id).status_code == 200

    for token in (world.student_token, world.instructor_token, admin_token()):
        response = download(token, world.certificate_id)
        assert response.status_code == 410
        detail = json_of(response)["detail"]
        assert world.certificate.certificate_number in detail
        assert "Plagiarised final project" in detail
    _, stranger = make_user()
    assert download(stranger, world.certificate_id).status_code == 403  # 403 before 410


def test_a_certificate_not_rendered_yet_asks_to_try_again_later() -> None:
    world = issue(completed_world(), render=False)

    response = download(world.student_token, world.certificate_id)

    assert response.status_code == 409
    assert "still being prepared" in json_of(response)["detail"]


def test_my_certificates_lists_the_valid_ones_newest_first_with_the_full_pdf_url() -> None:
    older = certified_world(course_title="First course")
    newer = completed_world(course_title="Second course")
    # The same student completes a second course.
    newer.enrollment = make_enrollment(
        older.student, newer.course, status="completed", completed_at=newer.enrollment.completed_at
    )
    issue(newer)
    third = completed_world(course_title="Third course")
    third.enrollment = make_enrollment(
        older.student, third.course, status="completed", completed_at=third.enrollment.completed_at
    )
    issue(third)
    revoke(admin_token(), third.certificate_id)

    body = json_of(mine(older.student_token))

    assert body["total"] == 2
    assert [c["course_title"] for c in body["certificates"]] == ["Second course", "First course"]
    first = body["certificates"][1]
    assert first["pdf_url"] == f"/api/v1/certificates/{older.certificate_id}/download"
    assert first["student_name"] == "Katherine Johnson"
    assert first["is_revoked"] is False and first["revocation_reason"] is None
    assert json_of(mine(make_user()[1])) == {"certificates": [], "total": 0}


def test_the_course_instructor_and_admins_list_its_certificates_revoked_ones_included() -> None:
    world = certified_world()
    other = completed_world()
    second = make_enrollment(other.student, world.course, status="completed")
    other.enrollment, other.course = second, world.course
    issue(other)
    revoke(admin_token(), other.certificate_id, "Issued in error")

    for token in (world.instructor_token, admin_token()):
        body = json_of(course_list(token, world.course.id))
        assert body["total"] == 2
        by_id = {c["id"]: c for c in body["certificates"]}
        assert by_id[str(other.certificate_id)]["is_revoked"] is True
        assert by_id[str(other.certificate_id)]["revocation_reason"] == "Issued in error"
        assert by_id[str(world.certificate_id)]["is_revoked"] is False


@pytest.mark.parametrize("who", ["student of the course", "another instructor"])
def test_nobody_else_lists_a_course_s_certificates(who: str) -> None:
    world = certified_world()
    token = (
        world.student_token
        if who == "student of the course"
        else make_user(role=Role.INSTRUCTOR)[1]
    )

    response = course_list(token, world.course.id)

    assert response.status_code == 403
