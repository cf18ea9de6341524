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

A read-only unit of work (`deps.uow(read_only=True)`, what GET requests get) runs its
statements without a transaction on PostgreSQL, which saves the BEGIN and ROLLBACK round trips
(a read that needs one consistent snapshot across statements puts them in one statement);
it refuses to flush or commit, so nothing is ever written through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.clock import Clock, utc_now
from shared.messages.base import Message
from shared.messaging.outbox import add_to_outbox
from shared.observability import metrics

Relay = Callable[[Sequence[uuid.UUID]], None]


class UnitOfWork:
    session: Session

    def __init__(
        self,
        sessions: Callable[[], Session],
        *,
        clock: Clock = utc_now,
        on_commit: Relay | None = None,
        read_only: bool = False,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self._on_commit = on_commit
        self._published: list[uuid.UUID] = []
        self._messages: list[Message] = []  # counted as business events once committed
        self.read_only = read_only
        self._driver_connection: Any = None

    def __repr__(self) -> str:
        mode = " read-only" if self.read_only else ""
        return f"<UnitOfWork{mode} published={len(self._published)}>"

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self._published = []
        self._messages = []
        if self.read_only:
            self.session.info[_READ_ONLY] = True  # _refuse_writes, before any flush
            if self.session.get_bind().dialect.name == "postgresql":
                connection = self.session.connection()
                self._driver_connection = connection.connection.dbapi_connection
                self._driver_connection.autocommit = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._driver_connection is not None:
            # While the connection is still this session's: once closed, it is back in the
            # pool, where another request's unit of work may already hold it.
            self._driver_connection.autocommit = False
            self._driver_connection = None
        # Closing discards whatever was not committed, error or not, and hands the connection
        # back (a rollback before it did the same work twice: 5% of a GET's CPU).
        self.session.close()

    def publish(self, message: Message, *, not_before: datetime | None = None) -> list[uuid.UUID]:
        """Put `message` on the outbox of this transaction, once per queue it goes to.

        Returns the message ids (one per queue); `not_before` delays delivery."""
        if self.read_only:
            raise ReadOnlyError("a read-only unit of work cannot publish")
        ids = [
            add_to_outbox(self.session, queue, message, now=self.clock(), not_before=not_before)
            for queue in message.queues
        ]
        self._published.extend(ids)
        self._messages.append(message)
        return ids

    def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyError("a read-only unit of work cannot commit")
        self.session.commit()
        published, self._published = self._published, []
        messages, self._messages = self._messages, []
        if messages:
            metrics.count_committed(messages)
        if published and self._on_commit is not None:
            self._on_commit(published)

    def rollback(self) -> None:
        self.session.rollback()
        self._published = []
        self._messages = []


class ReadOnlyError(RuntimeError):
    """A write through a read-only unit of work: a programming error, never a client's."""


_READ_ONLY = "lms.read_only"


def _refuse_writes(session: Session, *_: Any) -> None:
    if session.info.get(_READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyError("a read-only unit of work cannot write")


# Once for every session (a listener added per session cost ~30 µs of each GET's CPU).
event.listen(Session, "before_flush", _refuse_writes)
