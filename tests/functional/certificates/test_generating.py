"""POST /api/v1/certificates/enrollments/{id}/generate: a completed enrollment's certificate on
demand, for its student, the course's instructor and admins; once."""

from __future__ import annotations

import pytest

from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import json_of
from tests.functional.certificates.calls import (
    admin_token,
    completed_world,
    download,
    generate,
)
from tests.functional.enrollments.calls import of_type, run_queue
from tests.learning import make_enrollment

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.mark.parametrize("who", ["student", "course instructor", "admin"])
def test_generating_issues_once_then_answers_with_the_same_certificate(who: str) -> None:
    world = completed_world()
    token = {
        "student": world.student_token,
        "course instructor": world.instructor_token,
        "admin": admin_token(),
    }[who]

    first = generate(token, world.enrollment.id)
    second = generate(token, world.enrollment.id)

    assert (first.status_code, second.status_code) == (201, 200)
    assert json_of(first) == json_of(second)
    assert json_of(first)["student_id"] == str(world.student.id)
    assert len(of_type("certificates", "certificate.render")) == 1


def test_a_generated_certificate_is_rendered_by_the_queue_then_downloadable() -> None:
    world = completed_world()
    certificate = json_of(generate(world.student_token, world.enrollment.id))
    assert download(world.student_token, certificate["id"]).status_code == 409

    run_queue("certificates")

    assert download(world.student_token, certificate["id"]).status_code == 200
    assert len(of_type("emails", "email.certificate_issued")) == 1


def test_an_enrollment_not_completed_yet_gets_no_certificate() -> None:
    world = completed_world()
    active = make_enrollment(make_user()[0], world.course)

    response = generate(admin_token(), active.id)

    assert response.status_code == 400
    assert json_of(response)["detail"] == "Enrollment is not complete yet"


@pytest.mark.parametrize("who", [Role.STUDENT, Role.INSTRUCTOR])
def test_another_student_or_instructor_may_not_generate_it(who: Role) -> None:
    world = completed_world()

    response = generate(make_user(role=who)[1], world.enrollment.id)

    assert response.status_code == 403
    assert of_type("certificates", "certificate.render") == []


def test_an_unknown_enrollment_is_not_found() -> None:
    world = completed_world()
    response = generate(world.student_token, world.course.id)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "Enrollment not found"
