"""Every route that takes a body or a query, fed hostile values field by field: nothing
answers 5xx (issue 14: fuzzing in the manner of schemathesis, with the strings that broke
the reference and our first version: NUL, lone surrogates, huge, deep, odd numbers)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared import bootstrap
from shared.domain.enrollments import Certificate, Enrollment
from shared.domain.users import Role
from shared.http.registry import ROUTES, RouteSpec
from tests.accounts import bearer, make_user
from tests.function_calls import call_http, functions_by_name
from tests.functional.quizzes import scenario
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


HOSTILE: list[Any] = [
    "\x00",
    "a\x00b@example.org",
    "\ud800",
    "A" * 200_000,
    "\U0001f642" * 5000,
    "' OR 1=1; -- %s%n{0}${jndi:x}",
    -1,
    2**63,
    1e308,
    None,
    deep(60),
]
WHOLE_BODIES = [b"[" * 50_000 + b"]" * 50_000, b'{"a": NaN}', b"\xff\xfe", b"null", b"[]", b"1"]
STUDENT_ROUTES = {
    "enrollments_create",
    "enrollments_review",
    "enrollments_update_progress",
    "attempts_submit",
    "auth_change_password",
    "auth_mfa_enable_request",
    "auth_mfa_disable",
    "auth_mfa_enable_confirm",
    "auth_logout",
}
functions_by_name()  # imports function_app, which registers every route
FUZZED = sorted(
    name for name, spec in ROUTES.items() if spec.body is not None or spec.query is not None
)


@pytest.fixture
def world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Real rows for every route parameter, and a token for each kind of caller. Rate limits
    off: every hostile value must reach the parser, not a 429."""
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    bootstrap.reset()
    setup = scenario.quiz_setup((scenario.MC, scenario.ESSAY))
    attempt = scenario.ok(scenario.start(setup.quiz_id, setup.student_token), 201)
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)
    assert setup.enrollment is not None and setup.student is not None
    certificate_id = _certificate_of(setup.enrollment)
    return {
        "params": {
            "course_id": str(setup.course.id),
            "lesson_id": str(setup.lesson.id),
            "quiz_id": setup.quiz_id,
            "question_id": setup.question(1),
            "attempt_id": str(attempt["id"]),
            "enrollment_id": str(setup.enrollment.id),
            "user_id": str(setup.student.id),
            "instructor_id": str(uuid.uuid4()),
            "certificate_id": str(certificate_id),
            # No rows behind these: bodies and queries are parsed before any lookup, so every
            # hostile value still meets the parser (and a missing row is a 404, never a 500).
            "assignment_id": str(uuid.uuid4()),
            "submission_id": str(uuid.uuid4()),
            "webhook_id": str(uuid.uuid4()),
        },
        "admin": admin,
        "owner": setup.owner_token,
        "student": setup.student_token,
    }


def _certificate_of(enrollment: Enrollment) -> uuid.UUID:
    """A certificate row for the enrollment, so revoking reaches a real one."""
    now = datetime.now(UTC)
    certificate = Certificate(
        id=uuid.uuid4(),
        certificate_number=f"CERT-{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}",
        enrollment_id=enrollment.id,
        student_id=enrollment.student_id,
        course_id=enrollment.course_id,
        completion_date=now,
        issued_at=now,
        is_revoked=False,
    )
    with unit_of_work() as uow:
        uow.session.add(certificate)
        uow.commit()
    return certificate.id


def _token(spec: RouteSpec, world: dict[str, Any]) -> str:
    if spec.access.roles and Role.ADMIN in spec.access.roles and len(spec.access.roles) == 1:
        return str(world["admin"])
    return str(world["student" if spec.name in STUDENT_ROUTES else "owner"])


def _send(spec: RouteSpec, world: dict[str, Any], *, body: bytes = b"", query: str = "") -> int:
    params = {n: world["params"][n] for n in spec.path_parameters}
    path = "/" + spec.path
    for name, value in params.items():
        path = path.replace("{" + name + ":guid}", value).replace("{" + name + "}", value)
    headers = {**bearer(_token(spec, world)), "Content-Type": "application/json"}
    response = call_http(
        spec.name,
        spec.method,
        path + query,
        headers=headers,
        body=body,
        route_params=params,
    )
    return response.status_code


@pytest.mark.parametrize("name", FUZZED)
def test_no_hostile_value_in_any_field_is_a_server_error(name: str, world: dict[str, Any]) -> None:
    spec = ROUTES[name]
    failures = []
    model = spec.body or spec.query
    assert model is not None
    for field in model.model_fields:
        alias = model.model_fields[field].alias or field
        for value in HOSTILE:
            if spec.body is not None:
                status = _send(spec, world, body=json.dumps({alias: value}).encode())
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                status = _send(spec, world, query=f"?{alias}={_quoted(value)}")
            else:
                continue
            if status >= 500:
                failures.append((alias, repr(value)[:40], status))
    if spec.body is not None:
        for raw in WHOLE_BODIES:
            status = _send(spec, world, body=raw)
            if status >= 500:
                failures.append(("<body>", repr(raw)[:40], status))
    assert failures == []


def _quoted(value: str | float) -> str:
    """As a client's bytes would arrive: a lone surrogate as the (invalid) UTF-8 it encodes."""
    from urllib.parse import quote

    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")
