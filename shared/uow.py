"""The unit of work: one session, one transaction, rolled back unless the service commits.

    with deps.uow() as uow:
        uow.session.add(course)
        uow.publish(CoursePublished(course_id=course.id, ...))
        uow.commit()

Messages published through the unit of work are outbox rows, one per queue the message goes
to: they commit with the business rows or not at all. Right after a commit the unit of work
hands their ids to `on_commit` (the relay, which the composition root supplies); if sending
fails there, the outbox sweep (a timer) sends them later. The unit of work also carries the
clock, so every rule in it reads the same time: `now = uow.clock()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session

from shared.clock import Clock, utc_now
from shared.messages.base import Message
from shared.messaging.outbox import add_to_outbox

Relay = Callable[[Sequence[uuid.UUID]], None]


class UnitOfWork:
    session: Session

    def __init__(
        self,
        sessions: Callable[[], Session],
        *,
        clock: Clock = utc_now,
        on_commit: Relay | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self._on_commit = on_commit
        self._published: list[uuid.UUID] = []

    def __repr__(self) -> str:
        return f"<UnitOfWork published={len(self._published)}>"

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
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

    def publish(self, message: Message, *, not_before: datetime | None = None) -> list[uuid.UUID]:
        """Put `message` on the outbox of this transaction, once per queue it goes to.

        Returns the message ids (one per queue); `not_before` delays delivery."""
        ids = [
            add_to_outbox(self.session, queue, message, now=self.clock(), not_before=not_before)
            for queue in message.queues
        ]
        self._published.extend(ids)
        return ids

    def commit(self) -> None:
        self.session.commit()
        published, self._published = self._published, []
        if published and self._on_commit is not None:
            self._on_commit(published)

    def rollback(self) -> None:
        self.session.rollback()
        self._published = []
