"""Rendering a certificate holds no transaction while the PDF is made and stored: the app
writes meanwhile (on SQLite an open transaction would hold the write lock), and on PostgreSQL
no session waits idle in a transaction. The store is the real local folder, observed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.domain.enrollments import Certificate
from shared.domain.inbox import ProcessedMessage
from shared.storage import BlobStore
from tests.functional.certificates.calls import completed_world, issue
from tests.unit_of_work import unit_of_work

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


class ObservedStore:
    """The real certificates store; `put` first writes to the database and counts the
    sessions idle in a transaction."""

    def __init__(self, real: BlobStore) -> None:
        self.real = real
        self.idle_in_transaction: list[int] = []

    def put(self, name: str, data: bytes, content_type: str) -> None:
        with unit_of_work() as uow:
            now = datetime.now(UTC)
            uow.session.add(
                ProcessedMessage(consumer="tests", message_id=uuid.uuid4().hex, processed_at=now)
            )
            uow.commit()
            idle = 0
            if uow.session.get_bind().dialect.name == "postgresql":
                idle = uow.session.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
                    )
                )
            self.idle_in_transaction.append(idle)
        self.real.put(name, data, content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def observed(install_dependencies: Callable[..., Dependencies]) -> Iterator[ObservedStore]:
    store = ObservedStore(bootstrap.current().certificate_blobs)
    install_dependencies(certificate_blobs=store)
    yield store


def test_no_transaction_is_open_while_the_pdf_is_made_and_stored(
    observed: ObservedStore,
) -> None:
    world = issue(completed_world())

    assert observed.idle_in_transaction == [0]
    with unit_of_work() as uow:
        [certificate] = uow.session.query(Certificate).filter_by(enrollment_id=world.enrollment.id)
        name = f"{certificate.id}.pdf"
        assert certificate.pdf_blob_name == name
        assert certificate.credential is not None
    assert observed.real.get(name).startswith(b"%PDF-")
