"""Which store `get_blob_store` builds, and what importing the package costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shared.config import Settings
from shared.storage import get_blob_store
from shared.storage.azure_blob import AzureBlobStore
from shared.storage.local import LocalBlobStore

AZURITE_CONNECTION_STRING = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)


def test_the_default_settings_give_a_local_store_in_the_configured_folder(
    tmp_path: Path,
) -> None:
    store = get_blob_store(Settings(LOCAL_STORAGE_DIR=tmp_path))
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path


def test_the_same_settings_give_the_same_store_and_new_settings_a_new_one(
    tmp_path: Path,
) -> None:
    settings = Settings(LOCAL_STORAGE_DIR=tmp_path / "one")
    assert get_blob_store(settings) is get_blob_store(settings)
    other = get_blob_store(Settings(LOCAL_STORAGE_DIR=tmp_path / "two"))
    assert isinstance(other, LocalBlobStore)
    assert other.root == tmp_path / "two"


def test_storage_azure_gives_an_azure_store_that_may_create_its_container() -> None:
    store = get_blob_store(
        Settings(
            STORAGE="azure",
            AZURE_STORAGE_CONNECTION_STRING=AZURITE_CONNECTION_STRING,
            AZURE_STORAGE_CONTAINER_NAME="uploads",
        )
    )
    assert isinstance(store, AzureBlobStore)
    assert store.container == "uploads"
    assert store.create_missing_container


def test_in_production_the_azure_store_only_reports_a_missing_container() -> None:
    store = get_blob_store(
        Settings(
            ENVIRONMENT="production",
            STORAGE="azure",
            AZURE_STORAGE_ACCOUNT_URL="https://lms.blob.core.windows.net",
        )
    )
    assert isinstance(store, AzureBlobStore)
    assert not store.create_missing_container


def test_the_repr_of_an_azure_store_never_shows_the_connection_string() -> None:
    store = AzureBlobStore("uploads", connection_string=AZURITE_CONNECTION_STRING)
    assert "a2V5" not in repr(store)
    assert repr(store) == "AzureBlobStore(container='uploads', account='<connection string>')"


def test_importing_and_building_stores_does_not_import_the_azure_sdk() -> None:
    # A fresh interpreter: this one has imported the SDK through the other tests.
    program = (
        "import sys\n"
        "from shared.config import Settings\n"
        "from shared.storage import get_blob_store\n"
        "get_blob_store(Settings(STORAGE='azure', AZURE_STORAGE_CONNECTION_STRING='x'))\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('azure.'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
