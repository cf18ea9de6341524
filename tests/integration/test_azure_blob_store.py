"""AzureBlobStore with the unmodified SDK against a real Azurite."""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from shared.domain.errors import DependencyUnavailableError, ResourceNotFoundError
from shared.storage.azure_blob import AzureBlobStore

pytestmark = pytest.mark.azurite

# "Quickly" for a health check that a load balancer or an operator is waiting on.
FAST_FAILURE_SECONDS = 5.0


def _container_name() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def store(azurite_blob: str) -> AzureBlobStore:
    # A container per test, created on first use, so tests never see each other's blobs.
    return AzureBlobStore(
        _container_name(), connection_string=azurite_blob, create_missing_container=True
    )


def _container_exists(connection_string: str, container: str) -> bool:
    service = BlobServiceClient.from_connection_string(connection_string)
    return bool(service.get_container_client(container).exists())


def test_a_stored_blob_comes_back_byte_for_byte(store: AzureBlobStore) -> None:
    data = bytes(range(256)) * 1000
    store.put("courses/intro/slides.pdf", data, "application/pdf")
    assert store.get("courses/intro/slides.pdf") == data


def test_the_content_type_is_stored_with_the_blob(store: AzureBlobStore, azurite_blob: str) -> None:
    store.put("notes.txt", b"hello", "text/plain; charset=utf-8")
    blob = (
        BlobServiceClient.from_connection_string(azurite_blob)
        .get_container_client(store.container)
        .get_blob_client("notes.txt")
    )
    assert blob.get_blob_properties().content_settings.content_type == "text/plain; charset=utf-8"


def test_putting_the_same_name_again_replaces_the_bytes(store: AzureBlobStore) -> None:
    store.put("avatar.png", b"first, longer version", "image/png")
    store.put("avatar.png", b"second", "image/png")
    assert store.get("avatar.png") == b"second"


def test_exists_is_true_only_while_the_blob_is_stored(store: AzureBlobStore) -> None:
    store.put("a/b.txt", b"x", "text/plain")
    assert store.exists("a/b.txt")
    assert not store.exists("a")
    store.delete("a/b.txt")
    assert not store.exists("a/b.txt")


def test_deleting_twice_is_not_an_error(store: AzureBlobStore) -> None:
    store.put("gone.txt", b"x", "text/plain")
    store.delete("gone.txt")
    store.delete("gone.txt")
    store.delete("never-stored.txt")
    assert not store.exists("gone.txt")


def test_getting_a_missing_blob_raises_resource_not_found(store: AzureBlobStore) -> None:
    store.put("other.txt", b"x", "text/plain")
    with pytest.raises(ResourceNotFoundError, match=r"missing\.txt"):
        store.get("missing.txt")


def test_a_name_with_dotdot_is_refused_before_any_request(store: AzureBlobStore) -> None:
    with pytest.raises(ValueError, match=r"'\.\.'"):
        store.put("a/../b.txt", b"x", "text/plain")


def test_check_passes_when_azurite_is_up(store: AzureBlobStore) -> None:
    store.check()


def test_check_creates_the_missing_container_outside_production(
    store: AzureBlobStore, azurite_blob: str
) -> None:
    assert not _container_exists(azurite_blob, store.container)
    store.check()
    assert _container_exists(azurite_blob, store.container)


def test_check_reports_a_missing_container_when_it_may_not_create_one(azurite_blob: str) -> None:
    container = _container_name()
    store = AzureBlobStore(container, connection_string=azurite_blob)
    with pytest.raises(DependencyUnavailableError, match=f"container '{container}' does not"):
        store.check()
    assert not _container_exists(azurite_blob, container)


def test_put_into_a_missing_container_fails_when_it_may_not_create_one(
    azurite_blob: str,
) -> None:
    store = AzureBlobStore(_container_name(), connection_string=azurite_blob)
    with pytest.raises(DependencyUnavailableError, match="does not exist"):
        store.put("a.txt", b"x", "text/plain")


def test_check_reports_refused_credentials_without_quoting_the_key(azurite_blob: str) -> None:
    wrong_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="
    connection_string = re.sub(r"AccountKey=[^;]+", f"AccountKey={wrong_key}", azurite_blob)
    store = AzureBlobStore(_container_name(), connection_string=connection_string)
    with pytest.raises(DependencyUnavailableError, match="refused the credentials") as caught:
        store.check()
    assert wrong_key not in caught.value.detail


def test_check_fails_quickly_after_azurite_stops(
    start_private_azurite: Callable[[], Any],
) -> None:
    azurite = start_private_azurite()
    store = AzureBlobStore(
        _container_name(),
        connection_string=azurite.connection_string,
        create_missing_container=True,
    )
    store.check()
    azurite.stop()

    started = time.monotonic()
    with pytest.raises(DependencyUnavailableError, match="does not answer"):
        store.check()
    assert time.monotonic() - started < FAST_FAILURE_SECONDS


def test_check_fails_quickly_when_nothing_listens_on_the_port(azurite_blob: str) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and is closed now
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    closed = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{closed_port}", azurite_blob)
    store = AzureBlobStore(_container_name(), connection_string=closed)
    started = time.monotonic()
    with pytest.raises(DependencyUnavailableError, match="does not answer"):
        store.check()
    assert time.monotonic() - started < FAST_FAILURE_SECONDS


def test_a_malformed_connection_string_is_reported_without_echoing_it() -> None:
    store = AzureBlobStore("files", connection_string="AccountKey=s3cret-not-a-connection-string")
    with pytest.raises(DependencyUnavailableError, match="malformed") as caught:
        store.check()
    assert "s3cret" not in caught.value.detail


def test_check_gives_up_quickly_when_storage_accepts_but_never_answers(azurite_blob: str) -> None:
    with socket.socket() as hung:  # the kernel accepts connections; nothing ever replies
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        port = hung.getsockname()[1]
        store = AzureBlobStore(
            _container_name(),
            connection_string=re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", azurite_blob),
        )
        started = time.monotonic()
        with pytest.raises(DependencyUnavailableError, match="stopped answering"):
            store.check()
        assert time.monotonic() - started < FAST_FAILURE_SECONDS
