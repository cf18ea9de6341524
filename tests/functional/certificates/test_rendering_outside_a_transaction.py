"""Rendering a certificate holds no transaction while the PDF is made and stored: the app
writes meanwhile (on SQLite an open transaction would hold the write lock), and on PostgreSQL
no session waits idle in a transaction. The store is the real local folder, observed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.domain.enrollments import Certificate
from shared.storage import BlobStore
from tests.functional.certificates.calls import completed_world, issue
from tests.unit_of_work import unit_of_work, write_meanwhile

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


class ObservedStore:
    """The real certificates store; `put` first writes to the database and counts the
    sessions idle in a transaction."""

    def __init__(self, real: BlobStore) -> None:
        self.real = real
        self.idle_in_transaction: list[int] = []

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.idle_in_transaction.append(write_meanwhile())
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
