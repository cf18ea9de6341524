"""my-files, download and delete: who sees, reads and removes which file."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from azure.functions.timer import TimerRequest

from shared import bootstrap
from shared.domain.users import Role
from shared.storage.local import LocalBlobStore
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.function_calls import functions_by_name, json_of
from tests.functional.files.file_calls import (
    delete,
    download,
    my_files,
    put_local,
    stored_bytes,
    stored_row,
    upload,
    upload_url,
)
from tests.sample_files import sample

pytestmark = pytest.mark.usefixtures("database_url")


def uploaded(token: str, filename: str, data: bytes, **fields: str) -> dict[str, object]:
    response = upload(token, filename, data, **fields)
    assert response.status_code == 201, response.get_body()
    body: dict[str, object] = json_of(response)
    return body


def test_my_files_pages_the_callers_files_newest_first_and_filters_by_type(
    clock: ManualClock,
) -> None:
    _, token = make_user()
    _, other = make_user()
    names = []
    for n in range(5):
        names.append(uploaded(token, f"n{n}.txt", b"x")["id"])
        clock.advance(seconds=1)
    image = uploaded(token, "p.png", sample("png"))["id"]
    uploaded(other, "theirs.txt", b"y")

    first = json_of(my_files(token, "?page=1&page_size=4"))
    second = json_of(my_files(token, "?page=2&page_size=4"))
    images = json_of(my_files(token, "?file_type=image"))

    assert (first["total"], first["total_pages"], first["page"]) == (6, 2, 1)
    assert [f["id"] for f in first["items"]] == [image, *reversed(names[2:])]
    assert [f["id"] for f in second["items"]] == list(reversed(names[:2]))
    assert [f["id"] for f in images["items"]] == [image]
    assert my_files(token, "?file_type=spreadsheet").status_code == 422
    assert my_files(token, "?page_size=101").status_code == 422
    assert my_files(None).status_code == 401


def test_the_uploader_downloads_the_bytes_under_the_original_filename() -> None:
    _, token = make_user()
    data = sample("pdf")
    body = uploaded(token, "Résumé final.pdf", data)

    response = download(body["id"], token)

    assert response.status_code == 200
    assert response.get_body() == data
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="R_sum_ final.pdf"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20final.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_private_file_is_403_for_others_and_readable_by_an_admin() -> None:
    _, token = make_user()
    _, stranger = make_user(role=Role.INSTRUCTOR)
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)
    body = uploaded(token, "private.txt", b"secret")

    refused = download(body["id"], stranger)

    assert refused.status_code == 403
    assert json_of(refused)["detail"] == "Not authorized to access this file"
    assert download(body["id"], admin).get_body() == b"secret"
    assert download(body["id"], None).status_code == 401


def test_a_public_file_is_readable_by_anyone_signed_in() -> None:
    _, token = make_user()
    _, stranger = make_user()
    body = uploaded(token, "public.txt", b"for all", is_public="true")
    assert download(body["id"], stranger).get_body() == b"for all"
    assert download(body["id"], None).status_code == 401


def test_a_missing_file_is_404_and_a_file_whose_bytes_are_gone_says_so() -> None:
    _, token = make_user()
    assert json_of(download(uuid.uuid4(), token))["detail"] == "File not found"
    body = uploaded(token, "gone.txt", b"bye")
    bootstrap.current().files.delete(f"uploads/{body['filename']}")
    response = download(body["id"], token)
    assert response.status_code == 404
    assert json_of(response)["detail"] == "File no longer exists"


def test_a_pending_upload_cannot_be_downloaded() -> None:
    _, token = make_user()
    started = json_of(upload_url(token, filename="a.txt", size=5))
    assert download(started["file_id"], token).status_code == 404


def test_the_uploader_deletes_a_file_and_its_blob_goes_too() -> None:
    _, token = make_user()
    body = uploaded(token, "old.txt", b"old")
    name = f"uploads/{body['filename']}"

    assert delete(body["id"], token).status_code == 204

    assert stored_row(body["id"]) is None
    assert stored_bytes(name) is None
    assert delete(body["id"], token).status_code == 404
    assert json_of(my_files(token))["total"] == 0


def test_others_may_not_delete_a_file_but_an_admin_may() -> None:
    _, token = make_user()
    _, stranger = make_user()
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)
    body = uploaded(token, "keep.txt", b"keep", is_public="true")

    refused = delete(body["id"], stranger)

    assert refused.status_code == 403
    assert stored_row(body["id"]) is not None
    assert delete(body["id"], None).status_code == 401
    assert delete(body["id"], admin).status_code == 204
    assert stored_row(body["id"]) is None


def test_deleting_frees_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER_STORAGE_QUOTA_BYTES", "10")
    _, token = make_user()
    body = uploaded(token, "a.txt", b"0123456789")
    assert upload(token, "b.txt", b"x").status_code == 409
    delete(body["id"], token)
    assert upload(token, "b.txt", b"x").status_code == 201


def write_orphan(name: str, clock: ManualClock) -> None:
    """A blob without a row, written at the manual clock's time."""
    store = bootstrap.current().files
    store.put(name, b"no row", "text/plain")
    assert isinstance(store, LocalBlobStore)
    path = store.root / name
    os.utime(path, (clock.now.timestamp(), clock.now.timestamp()))


def run_cleanup() -> None:
    functions_by_name()["files_cleanup"].get_user_function()(TimerRequest(past_due=False))


def test_the_cleanup_timer_removes_expired_uploads_and_orphaned_blobs_only(
    clock: ManualClock,
) -> None:
    _, token = make_user()
    kept = uploaded(token, "kept.txt", b"kept")
    expired = json_of(upload_url(token, filename="late.txt", size=4))
    put_local(str(expired["upload_url"]), b"late")
    expired_row = stored_row(expired["file_id"])
    assert expired_row is not None

    clock.advance(seconds=3601)
    write_orphan("uploads/orphan.txt", clock)
    run_cleanup()

    assert stored_row(expired["file_id"]) is None
    assert stored_bytes(expired_row.storage_path) is None
    # The orphan was written just now: within the grace period, kept.
    assert stored_bytes("uploads/orphan.txt") == b"no row"

    clock.advance(seconds=timedelta(hours=2).total_seconds())
    run_cleanup()

    assert stored_bytes("uploads/orphan.txt") is None
    assert stored_bytes(f"uploads/{kept['filename']}") == b"kept"
    assert stored_row(kept["id"]) is not None


def test_a_deleted_users_files_are_swept_from_storage(clock: ManualClock) -> None:
    from shared.domain.users import User
    from tests.unit_of_work import unit_of_work

    user, token = make_user()
    body = uploaded(token, "mine.txt", b"mine")
    with unit_of_work() as uow:
        uow.session.delete(uow.session.get(User, user.id))
        uow.commit()
    clock.advance(hours=2)
    run_cleanup()
    assert stored_bytes(f"uploads/{body['filename']}") is None
