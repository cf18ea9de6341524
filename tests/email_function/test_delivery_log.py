"""The delivery log's rules, in memory, and the Firestore adapter's calls against the real API.

The Firestore emulator is a Java download that cannot be fetched here, so the adapter talks to
stand-ins made with create_autospec from google-cloud-firestore's own classes: a method or an
argument the library does not have fails the test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import create_autospec

import delivery_log
import pytest
from delivery_log import Claim, FirestoreDeliveryLog, InMemoryDeliveryLog
from google.api_core.exceptions import AlreadyExists, FailedPrecondition
from google.cloud import firestore
from google.cloud.firestore_v1.base_document import DocumentSnapshot
from google.cloud.firestore_v1.collection import CollectionReference
from google.cloud.firestore_v1.document import DocumentReference

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ID, PRINT = "outbox-1", "fingerprint-1"


# --- The rules (in memory) ------------------------------------------------------------------


def test_the_first_claim_of_a_message_id_may_send():
    assert InMemoryDeliveryLog().claim(ID, PRINT, NOW) == Claim("claimed")


def test_a_sent_message_answers_its_first_queue_id():
    log = InMemoryDeliveryLog()
    log.claim(ID, PRINT, NOW)
    log.mark_sent(ID, "Q1", NOW)
    assert log.claim(ID, PRINT, NOW + timedelta(days=1)) == Claim("sent", "Q1")


def test_a_message_being_sent_is_in_progress_for_others():
    log = InMemoryDeliveryLog()
    log.claim(ID, PRINT, NOW)
    assert log.claim(ID, PRINT, NOW + timedelta(minutes=9)) == Claim("in_progress")


def test_a_claim_abandoned_for_ten_minutes_may_be_taken_over():
    log = InMemoryDeliveryLog()
    log.claim(ID, PRINT, NOW)
    assert log.claim(ID, PRINT, NOW + timedelta(minutes=10)) == Claim("claimed")
    assert log.records[ID]["attempts"] == 2


def test_a_failed_message_may_be_claimed_again():
    log = InMemoryDeliveryLog()
    log.claim(ID, PRINT, NOW)
    log.mark_failed(ID, "550 no such user", True, NOW)
    assert log.records[ID]["status"] == "failed"
    assert log.claim(ID, PRINT, NOW + timedelta(seconds=1)) == Claim("claimed")
    assert log.records[ID]["error"] is None


def test_a_message_id_with_another_fingerprint_is_a_conflict_even_once_sent():
    log = InMemoryDeliveryLog()
    log.claim(ID, PRINT, NOW)
    log.mark_sent(ID, "Q1", NOW)
    assert log.claim(ID, "another", NOW) == Claim("conflict")


def test_records_carry_an_expiry_for_a_firestore_ttl_policy():
    log = InMemoryDeliveryLog()
    log.claim(ID, PRINT, NOW)
    assert log.records[ID]["expire_at"] == NOW + delivery_log.KEPT_FOR


# --- The Firestore adapter ------------------------------------------------------------------


@pytest.fixture
def firestore_client():
    client = create_autospec(firestore.Client, instance=True)
    # write_option takes **kwargs, which autospec cannot check: let the real one check them
    client.write_option.side_effect = firestore.Client.write_option
    collection = create_autospec(CollectionReference, instance=True)
    document = create_autospec(DocumentReference, instance=True)
    client.collection.return_value = collection
    collection.document.return_value = document
    return client


def document_of(client):
    return client.collection.return_value.document.return_value


def snapshot(record, update_time=NOW):
    found = create_autospec(DocumentSnapshot, instance=True)
    found.exists = record is not None
    found.to_dict.return_value = record
    found.update_time = update_time
    return found


def test_the_first_claim_creates_the_document_atomically(firestore_client):
    log = FirestoreDeliveryLog(firestore_client)
    assert log.claim(ID, PRINT, NOW) == Claim("claimed")

    firestore_client.collection.assert_called_once_with("sent_emails")
    firestore_client.collection.return_value.document.assert_called_once_with(f"msg_{ID}")
    document_of(firestore_client).create.assert_called_once_with(
        delivery_log.new_record(ID, PRINT, NOW)
    )


def test_a_document_that_exists_answers_from_its_record(firestore_client):
    document = document_of(firestore_client)
    document.create.side_effect = AlreadyExists("exists")
    record = {**delivery_log.new_record(ID, PRINT, NOW), "status": "sent", "smtp_queue_id": "Q1"}
    document.get.return_value = snapshot(record)

    assert FirestoreDeliveryLog(firestore_client).claim(ID, PRINT, NOW) == Claim("sent", "Q1")
    document.update.assert_not_called()


def test_a_failed_record_is_taken_over_only_if_unchanged_since_it_was_read(firestore_client):
    document = document_of(firestore_client)
    document.create.side_effect = AlreadyExists("exists")
    record = {**delivery_log.new_record(ID, PRINT, NOW), "status": "failed"}
    read_at = NOW + timedelta(seconds=3)
    document.get.return_value = snapshot(record, update_time=read_at)

    later = NOW + timedelta(minutes=1)
    assert FirestoreDeliveryLog(firestore_client).claim(ID, PRINT, later) == Claim("claimed")

    firestore_client.write_option.assert_called_once_with(last_update_time=read_at)
    document.update.assert_called_once_with(
        delivery_log.reclaim_fields(record, later),
        option=firestore.Client.write_option(last_update_time=read_at),
    )


def test_a_take_over_that_loses_the_race_is_in_progress(firestore_client):
    document = document_of(firestore_client)
    document.create.side_effect = AlreadyExists("exists")
    record = {**delivery_log.new_record(ID, PRINT, NOW), "status": "failed"}
    document.get.return_value = snapshot(record)
    document.update.side_effect = FailedPrecondition("the document changed")

    assert FirestoreDeliveryLog(firestore_client).claim(ID, PRINT, NOW) == Claim("in_progress")


def test_a_document_deleted_between_create_and_get_is_in_progress(firestore_client):
    document = document_of(firestore_client)
    document.create.side_effect = AlreadyExists("exists")
    document.get.return_value = snapshot(None)

    assert FirestoreDeliveryLog(firestore_client).claim(ID, PRINT, NOW) == Claim("in_progress")


def test_outcomes_are_recorded_as_updates_of_the_document(firestore_client):
    log = FirestoreDeliveryLog(firestore_client)
    log.mark_sent(ID, "Q1", NOW)
    log.mark_failed(ID, "550 no such user", True, NOW)

    document = document_of(firestore_client)
    assert document.update.call_args_list[0].args == (delivery_log.sent_fields("Q1", NOW),)
    assert document.update.call_args_list[1].args == (
        delivery_log.failed_fields("550 no such user", True, NOW),
    )


def test_the_process_log_is_firestore_of_the_default_app_created_on_first_use(monkeypatch):
    import firebase_admin
    from firebase_admin import firestore as admin_firestore

    app = create_autospec(firebase_admin.App, instance=True)
    client = create_autospec(firestore.Client, instance=True)
    monkeypatch.setattr(firebase_admin, "get_app", create_autospec(firebase_admin.get_app))
    firebase_admin.get_app.side_effect = ValueError("no default app")
    monkeypatch.setattr(
        firebase_admin, "initialize_app", create_autospec(firebase_admin.initialize_app)
    )
    firebase_admin.initialize_app.return_value = app
    monkeypatch.setattr(admin_firestore, "client", create_autospec(admin_firestore.client))
    admin_firestore.client.return_value = client
    delivery_log.use_delivery_log(None)

    log = delivery_log.process_delivery_log()

    assert isinstance(log, FirestoreDeliveryLog)
    assert delivery_log.process_delivery_log() is log
    firebase_admin.initialize_app.assert_called_once_with()
    admin_firestore.client.assert_called_once_with(app)


def test_the_functions_emulator_without_firestore_keeps_the_log_in_memory(monkeypatch):
    monkeypatch.setenv("FUNCTIONS_EMULATOR", "true")
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    delivery_log.use_delivery_log(None)
    assert isinstance(delivery_log.process_delivery_log(), InMemoryDeliveryLog)


def test_the_functions_emulator_with_the_firestore_emulator_uses_firestore(monkeypatch):
    monkeypatch.setenv("FUNCTIONS_EMULATOR", "true")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")
    firestore_log = FirestoreDeliveryLog(create_autospec(firestore.Client, instance=True))
    monkeypatch.setattr(FirestoreDeliveryLog, "from_default_app", lambda: firestore_log)
    delivery_log.use_delivery_log(None)
    assert delivery_log.process_delivery_log() is firestore_log
