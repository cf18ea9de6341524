"""The unit of work: one session, one transaction, rolled back unless the service commits.

    with UnitOfWork() as uow:
        uow.session.add(course)
        uow.commit()
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from shared.db import new_session


class UnitOfWork:
    session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = new_session()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is discarded, error or not.
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
