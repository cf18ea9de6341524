"""The files round trip with STORAGE=azure against a real Azurite: uploads through the API,
direct uploads to a create-only SAS, downloads by a read SAS, deletion and the clean-up."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from azure.functions.timer import TimerRequest
from azure.storage.blob import ContainerClient

from shared import bootstrap
from shared.storage.azure_blob import AzureBlobStore
from tests.accounts import make_user
from tests.clock import ManualClock
from tests.function_calls import functions_by_name, json_of
from tests.functional.files.file_calls import (
    complete,
    delete,
    download,
    stored_row,
    upload,
    upload_url,
)
from tests.sample_files import executable, sample

pytestmark = [pytest.mark.azurite, pytest.mark.usefixtures("database_url")]


@pytest.fixture
def container(azurite_blob: str, monkeypatch: pytest.MonkeyPatch) -> ContainerClient:
    """STORAGE=azure on Azurite, with a files container of the test's own."""
    name = f"files-{uuid.uuid4().hex[:20]}"
    monkeypatch.setenv("STORAGE", "azure")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_blob)
    monkeypatch.setenv("FILES_CONTAINER_NAME", name)
    bootstrap.reset()
    return ContainerClient.from_connection_string(azurite_blob, name)


def http(
    method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read(), _lower(answer.headers.items())
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), _lower(refused.headers.items())


def _lower(items: object) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}  # type: ignore[attr-defined]


def test_an_upload_lands_in_the_container_and_downloads_by_a_short_lived_read_url(
    container: ContainerClient,
) -> None:
    _, token = make_user()
    data = sample("docx")
    body = json_of(upload(token, "Essay draft.docx", data))
    assert body["storage_provider"] == "azure"
    blob = container.get_blob_client(f"uploads/{body['filename']}")
    assert blob.download_blob().readall() == data

    response = download(body["id"], token)

    assert response.status_code == 307
    location = response.headers["Location"]
    assert "sig=" in location and "sp=r" in location
    status, fetched, headers = http("GET", location)
    assert status == 200
    assert fetched == data
    assert headers["content-disposition"] == (
        "attachment; filename=\"Essay draft.docx\"; filename*=UTF-8''Essay%20draft.docx"
    )
    assert headers["content-type"] == body["mime_type"]


def test_a_direct_upload_goes_to_the_sas_url_once_and_is_checked_on_completion(
    container: ContainerClient,
) -> None:
    _, token = make_user()
    data = sample("mp4") + bytes(1024 * 1024)
    started = json_of(upload_url(token, filename="talk.mp4", size=len(data)))
    url, headers = started["upload_url"], started["headers"]
    assert "sp=c" in url  # create only: the URL cannot overwrite what it created

    status, _, _ = http("PUT", url, data, headers)
    assert status == 201
    again, _, _ = http("PUT", url, executable(), headers)
    assert again in (403, 409)

    completed = complete(started["file_id"], token)
    assert completed.status_code == 200, completed.get_body()
    name = f"uploads/{json_of(completed)['filename']}"
    assert container.get_blob_client(name).download_blob().readall() == data


def test_spoofed_bytes_sent_to_the_sas_url_are_discarded_at_completion(
    container: ContainerClient,
) -> None:
    _, token = make_user()
    data = executable()
    started = json_of(upload_url(token, filename="slides.pptx", size=len(data)))
    http("PUT", started["upload_url"], data, started["headers"])
    row = stored_row(started["file_id"])
    assert row is not None

    assert complete(started["file_id"], token).status_code == 400

    assert stored_row(started["file_id"]) is None
    assert not container.get_blob_client(row.storage_path).exists()


def test_a_sas_url_stops_working_when_it_expires(container: ContainerClient) -> None:
    store = bootstrap.current().files
    assert isinstance(store, AzureBlobStore)
    store.ensure_container()
    soon = bootstrap.current().clock() + timedelta(seconds=2)
    write = store.write_url("uploads/late.txt", soon)
    store.put("uploads/kept.txt", b"kept", "text/plain")
    read = store.download_url(
        "uploads/kept.txt", filename="k.txt", content_type="text/plain", expires_in=2
    )
    assert read is not None
    assert http("GET", read)[0] == 200
    time.sleep(3)

    assert http("PUT", write, b"late", {"x-ms-blob-type": "BlockBlob"})[0] == 403
    assert http("GET", read)[0] == 403


def test_delete_removes_the_blob_and_the_cleanup_sweeps_orphans(
    container: ContainerClient, install_dependencies: Callable[..., object]
) -> None:
    clock = ManualClock()
    install_dependencies(clock=clock)
    _, token = make_user()
    body = json_of(upload(token, "old.csv", sample("csv")))
    name = f"uploads/{body['filename']}"
    assert delete(body["id"], token).status_code == 204
    assert not container.get_blob_client(name).exists()

    container.upload_blob("uploads/orphan.txt", b"no row")
    kept = json_of(upload(token, "kept.txt", b"kept"))
    # Two hours on: past the clean-up's grace period for blobs without a row.
    clock.advance(hours=2)
    functions_by_name()["files_cleanup"].get_user_function()(TimerRequest(past_due=False))

    assert not container.get_blob_client("uploads/orphan.txt").exists()
    assert container.get_blob_client(f"uploads/{kept['filename']}").exists()
