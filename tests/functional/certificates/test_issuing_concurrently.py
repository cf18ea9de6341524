"""One certificate per enrollment, however many ask at once: two final lessons completed at
the same moment, duplicate certificate.issue messages and a generate request racing on
several threads (on PostgreSQL, where the enrollment lock decides)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from shared import bootstrap
from shared.domain.enrollments import Certificate, Enrollment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.function_calls import functions_by_name, json_of
from tests.functional.certificates.calls import generate
from tests.functional.enrollments.calls import complete, deliver, enroll, of_type, run_queue
from tests.learning import lessons_of, make_course
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def _at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions on threads released together, each commit slowed down so that their
    transactions overlap; what each returned."""

    def slow_commit(session: Session) -> None:
        if any(isinstance(row, Enrollment | Certificate) for row in session.dirty | session.new):
            time.sleep(0.3)

    functions_by_name()  # the app is built once, before the threads
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = actions[index]()
        except Exception as exc:  # a handler that failed: the test says so below
            results[index] = exc

    sessions = bootstrap.current().sessions
    event.listen(sessions, "before_commit", slow_commit)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(sessions, "before_commit", slow_commit)
    failures = [result for result in results if isinstance(result, Exception)]
    assert not failures, failures
    return results


def _certificate_count() -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Certificate)) or 0)


def test_two_final_completions_and_racing_issuers_make_one_certificate_and_one_mail() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=3)
    _, token = make_user()
    enrollment_id = json_of(enroll(token, course.id))["id"]
    lessons = [lesson.id for lesson in lessons_of(course)]
    complete(token, enrollment_id, lessons[0])

    statuses = _at_once(
        lambda: complete(token, enrollment_id, lessons[1]).status_code,
        lambda: complete(token, enrollment_id, lessons[2]).status_code,
    )
    assert statuses == [200, 200]
    run_queue("progress")
    assert len(of_type("certificates", "certificate.issue")) == 1  # completed once

    payload = {"enrollment_id": enrollment_id}
    outcomes = _at_once(
        lambda: deliver("certificates", "certificate.issue", payload),
        lambda: deliver("certificates", "certificate.issue", payload),
        lambda: generate(token, enrollment_id).status_code,
    )
    assert outcomes[2] in (200, 201)

    assert run_queue("certificates") >= 2  # the queued issue, and one render
    assert _certificate_count() == 1
    assert len(of_type("certificates", "certificate.render")) == 1
    assert len(of_type("emails", "email.certificate_issued")) == 1
    assert len(of_type("webhooks", "certificate.issued")) == 1


def test_racing_issuers_of_a_fresh_enrollment_issue_one_certificate() -> None:
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1)
    _, token = make_user()
    enrollment_id = json_of(enroll(token, course.id))["id"]
    with unit_of_work() as uow:
        stored = uow.session.get(Enrollment, uuid.UUID(enrollment_id))
        assert stored is not None
        stored.status = "completed"
        stored.completed_at = uow.clock()
        uow.commit()
    payload = {"enrollment_id": enrollment_id}

    statuses = _at_once(
        lambda: generate(token, enrollment_id).status_code,
        lambda: generate(token, enrollment_id).status_code,
        lambda: deliver("certificates", "certificate.issue", payload),
    )

    assert sorted(statuses[:2]) in ([200, 201], [200, 200])
    assert _certificate_count() == 1
    assert len(of_type("certificates", "certificate.render")) == 1
