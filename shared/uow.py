"""The unit of work: one session, one transaction, rolled back unless the service commits.

    with UnitOfWork() as uow:
        uow.session.add(course)
        uow.publish("webhooks", "course.published", {"course_id": str(course.id)})
        uow.commit()

Messages published through the unit of work are outbox rows: they commit with the business
rows or not at all. Right after a commit the unit of work asks the relay to send them; if that
fails the outbox sweep (a timer) sends them later.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session

from shared.db import new_session

log = logging.getLogger("lms.uow")


class UnitOfWork:
    session: Session

    def __init__(self, *, relay_after_commit: bool = True) -> None:
        self._relay_after_commit = relay_after_commit
        self._published: list[uuid.UUID] = []

    def __enter__(self) -> UnitOfWork:
        self.session = new_session()
        self._published = []
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

    def publish(
        self,
        queue: str,
        message_type: str,
        payload: dict[str, Any],
        *,
        version: int = 1,
        not_before: datetime | None = None,
    ) -> uuid.UUID:
        """Put a message on the outbox of this transaction; returns its message id."""
        from shared.messaging.outbox import add_to_outbox

        message_id = add_to_outbox(
            self.session,
            queue,
            message_type,
            payload,
            now=datetime.now(UTC),
            version=version,
            not_before=not_before,
        )
        self._published.append(message_id)
        return message_id

    def commit(self) -> None:
        self.session.commit()
        published, self._published = self._published, []
        if published and self._relay_after_commit:
            self._relay(published)

    def rollback(self) -> None:
        self.session.rollback()
        self._published = []

    @staticmethod
    def _relay(ids: list[uuid.UUID]) -> None:
        # Best effort: the write is committed and its messages are safe in the outbox.
        from shared.config import get_settings
        from shared.messaging.broker import get_broker
        from shared.messaging.outbox import BATCH_SIZE, relay_batch

        try:
            broker = get_broker(get_settings())
            for start in range(0, len(ids), BATCH_SIZE):
                if relay_batch(broker, ids=ids[start : start + BATCH_SIZE]).failed:
                    return  # the broker is down: leave the rest to the sweep too
        except Exception:
            log.warning("outbox: relay after commit failed; the sweep will send", exc_info=True)
