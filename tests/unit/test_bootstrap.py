"""The composition root: which adapters the settings choose, built once, on first use."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from shared import bootstrap
from shared.config import Settings
from shared.messaging.local import LocalBroker
from shared.messaging.servicebus import ServiceBusBroker
from shared.storage.azure_blob import AzureBlobStore
from shared.storage.local import LocalBlobStore
from tests.clock import ManualClock

AZURITE_CONNECTION_STRING = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_default_settings_give_a_local_store_in_the_configured_folder(
    tmp_path: Path,
) -> None:
    store = bootstrap.build(Settings(LOCAL_STORAGE_DIR=tmp_path)).blobs
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path


def test_each_adapter_is_built_once_per_dependencies(tmp_path: Path) -> None:
    deps = bootstrap.build(Settings(LOCAL_STORAGE_DIR=tmp_path / "one"))
    assert deps.blobs is deps.blobs
    assert deps.broker is deps.broker
    assert deps.passwords is deps.passwords
    other = bootstrap.build(Settings(LOCAL_STORAGE_DIR=tmp_path / "two")).blobs
    assert isinstance(other, LocalBlobStore)
    assert other.root == tmp_path / "two"


def test_concurrent_first_requests_build_one_engine() -> None:
    deps = bootstrap.build()
    engines = []
    barrier = threading.Barrier(8)

    def first_request() -> None:
        barrier.wait()
        engines.append(deps.engine)

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(engine) for engine in engines}) == 1
    deps.close()


def test_storage_azure_gives_an_azure_store_that_may_create_its_container() -> None:
    store = bootstrap.build(
        Settings(
            STORAGE="azure",
            AZURE_STORAGE_CONNECTION_STRING=AZURITE_CONNECTION_STRING,
            AZURE_STORAGE_CONTAINER_NAME="uploads",
        )
    ).blobs
    assert isinstance(store, AzureBlobStore)
    assert store.container == "uploads"
    assert store.create_missing_container


def test_in_production_the_azure_store_only_reports_a_missing_container() -> None:
    store = bootstrap.build(
        Settings(
            ENVIRONMENT="production",
            STORAGE="azure",
            AZURE_STORAGE_ACCOUNT_URL="https://lms.blob.core.windows.net",
        )
    ).blobs
    assert isinstance(store, AzureBlobStore)
    assert not store.create_missing_container


def test_the_repr_of_an_azure_store_never_shows_the_connection_string() -> None:
    store = AzureBlobStore("uploads", connection_string=AZURITE_CONNECTION_STRING)
    assert "a2V5" not in repr(store)
    assert repr(store) == "AzureBlobStore(container='uploads', account='<connection string>')"


def test_the_broker_is_the_one_broker_names_and_shares_the_clock() -> None:
    clock = ManualClock()
    local = bootstrap.build(Settings(), clock=clock).broker
    assert isinstance(local, LocalBroker)
    assert local.clock is clock
    remote = bootstrap.build(
        Settings(BROKER="servicebus", ServiceBusConnection="Endpoint=sb://x/;SharedAccessKey=k")
    ).broker
    assert isinstance(remote, ServiceBusBroker)
    assert remote.rejected is not None


def test_a_unit_of_work_reads_the_dependencies_clock() -> None:
    clock = ManualClock()
    with bootstrap.build(clock=clock).uow() as uow:
        assert uow.clock() == clock.now


def test_current_is_built_once_and_reset_forgets_it() -> None:
    first = bootstrap.current()
    assert bootstrap.current() is first
    bootstrap.reset()
    assert bootstrap.current() is not first


def test_install_replaces_the_current_dependencies() -> None:
    installed = bootstrap.install(bootstrap.build(clock=ManualClock()))
    assert bootstrap.current() is installed


def test_building_adapters_imports_neither_the_azure_sdks_nor_argon2() -> None:
    # A fresh interpreter: this one has imported them through the other tests.
    program = (
        "import sys\n"
        "from shared import bootstrap\n"
        "from shared.config import Settings\n"
        "deps = bootstrap.build(Settings(STORAGE='azure', AZURE_STORAGE_CONNECTION_STRING='x',"
        " BROKER='servicebus', ServiceBusConnection='Endpoint=sb://x/;SharedAccessKey=k'))\n"
        "deps.blobs, deps.broker, deps.passwords\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('azure.', 'argon2')))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_starting_the_app_imports_no_pdf_qr_or_signing_library() -> None:
    # Only the certificates queue renders and signs; a cold start must not pay for it.
    program = (
        "import sys\n"
        "import function_app\n"
        "heavy = ('fpdf', 'segno', 'uharfbuzz', 'PIL', 'fontTools', 'cryptography')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_a_component_given_to_build_is_used_as_it_is() -> None:
    from shared.security.passwords import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_kib=8, parallelism=1)
    deps = bootstrap.build(passwords=hasher, clock=ManualClock())

    assert deps.passwords is hasher
    assert isinstance(deps.broker, LocalBroker)  # the rest is still built from the settings
