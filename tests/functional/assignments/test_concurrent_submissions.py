"""Submissions that race: one submission per enrollment and assignment whatever the timing,
and versions that never share a number."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.domain.assignments import Submission, SubmissionVersion
from tests.functional.assignments.calls import Classroom, classroom, ok
from tests.learning import committed_before_insert
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def _race(room: Classroom, contenders: int) -> list[int]:
    """`contenders` submissions of the room's student sent at once; their statuses."""
    barrier = threading.Barrier(contenders)
    statuses: list[int] = []

    def send(number: int) -> None:
        barrier.wait()
        response = room.submit(content=f"Version {number}")
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _counts() -> tuple[int, int, int]:
    with unit_of_work() as uow:
        submissions = uow.session.scalar(select(func.count()).select_from(Submission))
        versions = uow.session.scalar(select(func.count()).select_from(SubmissionVersion))
        numbers = uow.session.scalar(select(func.count(SubmissionVersion.number.distinct())))
    return int(submissions or 0), int(versions or 0), int(numbers or 0)


def test_of_concurrent_first_submissions_one_wins_the_others_are_told_why() -> None:
    room = classroom()  # one submission allowed

    assert _race(room, 4) == [201, 409, 409, 409]
    assert _counts() == (1, 1, 1)


def test_concurrent_versions_are_numbered_one_after_the_other() -> None:
    room = classroom(max_submissions=None)

    assert _race(room, 4) == [201, 201, 201, 201]
    assert _counts() == (1, 4, 4)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_first_submission_that_loses_the_insert_becomes_the_next_version() -> None:
    room = classroom(max_submissions=2)

    def rival() -> Any:
        # The same student's other request commits its first version between this one's
        # check and its insert.
        return ok(room.submit(content="Rival"), 201)

    with committed_before_insert(Submission, rival) as written:
        body = ok(room.submit(content="Mine"), 201)

    assert written and uuid.UUID(written[0]["id"]) == uuid.UUID(body["id"])
    assert body["version"] == 2
    assert [v["content"] for v in body["versions"]] == ["Rival", "Mine"]
