"""One record per message id, so a message asked for twice is sent once.

A request first claims its message id: the record is created with status "sending" before any
SMTP traffic, atomically, so two concurrent requests cannot both send. After the attempt the
record becomes "sent" (with the server's queue id, returned to every later request for that id)
or "failed". A failed record, or a "sending" record older than STALE_SENDING_AFTER (an instance
that died mid-send), may be claimed again: retries after a failure send, a retry after a success
does not. Records carry `expire_at` for a Firestore TTL policy; after it, an id is new again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentReference

SENDING, SENT, FAILED = "sending", "sent", "failed"
STALE_SENDING_AFTER = timedelta(minutes=10)
KEPT_FOR = timedelta(days=30)
COLLECTION = "sent_emails"


@dataclass(frozen=True)
class Claim:
    """What claiming found. Only "claimed" lets the caller send.

    "sent": already delivered (smtp_queue_id is the first result); "in_progress": another
    request holds the claim; "conflict": the id was used for other recipients or subject.
    """

    outcome: Literal["claimed", "sent", "in_progress", "conflict"]
    smtp_queue_id: str | None = None


class DeliveryLog(Protocol):
    def claim(self, message_id: str, fingerprint: str, now: datetime) -> Claim: ...

    def mark_sent(self, message_id: str, smtp_queue_id: str | None, now: datetime) -> None: ...

    def mark_failed(self, message_id: str, error: str, permanent: bool, now: datetime) -> None: ...


def new_record(message_id: str, fingerprint: str, now: datetime) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "fingerprint": fingerprint,
        "status": SENDING,
        "attempts": 1,
        "created_at": now,
        "updated_at": now,
        "smtp_queue_id": None,
        "error": None,
        "permanent": None,
        "expire_at": now + KEPT_FOR,
    }


def existing_claim(record: dict[str, Any], fingerprint: str, now: datetime) -> Claim | None:
    """The answer a record gives without sending, or None when it may be claimed again."""
    if record.get("fingerprint") != fingerprint:
        return Claim("conflict")
    if record.get("status") == SENT:
        return Claim("sent", record.get("smtp_queue_id"))
    if record.get("status") == SENDING and now - record["updated_at"] < STALE_SENDING_AFTER:
        return Claim("in_progress")
    return None


def reclaim_fields(record: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "status": SENDING,
        "attempts": int(record.get("attempts") or 0) + 1,
        "updated_at": now,
        "error": None,
        "permanent": None,
        "expire_at": now + KEPT_FOR,
    }


def sent_fields(smtp_queue_id: str | None, now: datetime) -> dict[str, Any]:
    return {"status": SENT, "smtp_queue_id": smtp_queue_id, "updated_at": now, "error": None}


def failed_fields(error: str, permanent: bool, now: datetime) -> dict[str, Any]:
    return {"status": FAILED, "error": error[:1000], "permanent": permanent, "updated_at": now}


class InMemoryDeliveryLog:
    """The same rules in a dict, for tests and a single local process."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InMemoryDeliveryLog({len(self.records)} records)"

    def claim(self, message_id: str, fingerprint: str, now: datetime) -> Claim:
        with self._lock:
            record = self.records.get(message_id)
            if record is None:
                self.records[message_id] = new_record(message_id, fingerprint, now)
                return Claim("claimed")
            found = existing_claim(record, fingerprint, now)
            if found is None:
                record.update(reclaim_fields(record, now))
                return Claim("claimed")
            return found

    def mark_sent(self, message_id: str, smtp_queue_id: str | None, now: datetime) -> None:
        with self._lock:
            self.records[message_id].update(sent_fields(smtp_queue_id, now))

    def mark_failed(self, message_id: str, error: str, permanent: bool, now: datetime) -> None:
        with self._lock:
            self.records[message_id].update(failed_fields(error, permanent, now))


class FirestoreDeliveryLog:
    """Records in a Firestore collection, one document per message id.

    create() fails when the document exists, which makes the first claim atomic; a claim taken
    over from a failed or stale record is an update conditioned on the document's update time,
    so of two concurrent take-overs one wins and the other answers "in_progress".
    """

    def __init__(self, client: Client, collection: str = COLLECTION) -> None:
        self._client = client
        self._collection = collection

    def __repr__(self) -> str:
        return f"FirestoreDeliveryLog(collection={self._collection!r})"

    @classmethod
    def from_default_app(cls) -> FirestoreDeliveryLog:
        """Firestore of the project the function runs in (default credentials)."""
        import firebase_admin
        from firebase_admin import firestore

        try:
            app = firebase_admin.get_app()
        except ValueError:  # not initialised yet in this process
            app = firebase_admin.initialize_app()
        return cls(firestore.client(app))

    def claim(self, message_id: str, fingerprint: str, now: datetime) -> Claim:
        from google.api_core.exceptions import Conflict, FailedPrecondition, NotFound

        document = self._document(message_id)
        try:
            document.create(new_record(message_id, fingerprint, now))
            return Claim("claimed")
        except Conflict:  # AlreadyExists: someone asked for this message before
            pass
        snapshot = document.get()
        if not snapshot.exists:  # expired and deleted in between; the caller retries
            return Claim("in_progress")
        record = snapshot.to_dict() or {}
        found = existing_claim(record, fingerprint, now)
        if found is not None:
            return found
        try:
            document.update(
                reclaim_fields(record, now),
                option=self._client.write_option(last_update_time=snapshot.update_time),
            )
        except (FailedPrecondition, NotFound):  # another request took it over first
            return Claim("in_progress")
        return Claim("claimed")

    def mark_sent(self, message_id: str, smtp_queue_id: str | None, now: datetime) -> None:
        self._document(message_id).update(sent_fields(smtp_queue_id, now))

    def mark_failed(self, message_id: str, error: str, permanent: bool, now: datetime) -> None:
        self._document(message_id).update(failed_fields(error, permanent, now))

    def _document(self, message_id: str) -> DocumentReference:
        # A prefix, because ids such as "." or "__x__" are not valid Firestore document ids.
        return self._client.collection(self._collection).document(f"msg_{message_id}")


_process_log: DeliveryLog | None = None
_process_lock = threading.Lock()


def process_delivery_log() -> DeliveryLog:
    """The log of this process: Firestore, connected on first use, so importing needs no
    credentials and a request refused before claiming never touches Firestore.

    In the Functions emulator without the Firestore emulator (a Java download), the log is kept
    in memory: real Firestore is not reachable from a demo project, and the emulator is one
    process. Deployed functions never have FUNCTIONS_EMULATOR set.
    """
    global _process_log
    with _process_lock:
        if _process_log is None:
            if _in_emulator_without_firestore(os.environ):
                logging.getLogger("sendEmail").warning(
                    "Functions emulator without FIRESTORE_EMULATOR_HOST: message ids are "
                    "remembered in memory until the emulator stops."
                )
                _process_log = InMemoryDeliveryLog()
            else:
                _process_log = FirestoreDeliveryLog.from_default_app()
        return _process_log


def _in_emulator_without_firestore(environ: Mapping[str, str]) -> bool:
    return environ.get("FUNCTIONS_EMULATOR") == "true" and not environ.get(
        "FIRESTORE_EMULATOR_HOST"
    )


def use_delivery_log(log: DeliveryLog | None) -> None:
    """Make `log` the process's log (tests; a local host without Firestore); None: Firestore."""
    global _process_log
    with _process_lock:
        _process_log = log
