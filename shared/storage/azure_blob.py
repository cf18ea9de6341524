"""Blobs in one Azure Storage container: production, and Azurite in development and tests.

The SDK is imported inside methods, never at module level: it costs a noticeable part of a
cold start, and most invocations never touch a file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.clock import utc_now
from shared.domain.errors import DependencyUnavailableError, ResourceNotFoundError
from shared.storage import HEAD_BYTES, attachment, validate_blob_name
from shared.storage.azure_sas import CLOCK_SKEW, DelegationKeys

if TYPE_CHECKING:
    from azure.core.exceptions import AzureError
    from azure.storage.blob import ContainerClient

# Ordinary calls get a few quick retries and fail within about half a minute. The SDK's
# defaults (10 retries, 15 s back-offs, 20 s connect timeout) would hold an HTTP request for
# minutes while storage is down.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
RETRIES = 3
FIRST_RETRY_BACKOFF_SECONDS = 1

# The health check makes one attempt with short timeouts, so "down" is reported in seconds.
CHECK_OPTIONS: dict[str, Any] = {"retry_total": 0, "connection_timeout": 2, "read_timeout": 3}


class AzureBlobStore:
    """Stores each blob as a block blob named `name` in `container`.

    Authenticates with a connection string (Azurite, or an account key) when one is given,
    else with DefaultAzureCredential against `account_url` (the Function App's managed
    identity in Azure). With `create_missing_container`, a missing container is created on
    first need instead of being reported.
    """

    def __init__(
        self,
        container: str,
        *,
        connection_string: str | None = None,
        account_url: str | None = None,
        create_missing_container: bool = False,
    ) -> None:
        if not (connection_string or account_url):
            raise ValueError(
                "AzureBlobStore needs a connection string or an account URL; set "
                "AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL"
            )
        self.container = container
        self.create_missing_container = create_missing_container
        self._connection_string = connection_string
        self._account_url = account_url
        self._client: ContainerClient | None = None
        self._delegation_keys: DelegationKeys | None = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        # Never the connection string: it holds the account key.
        account = "<connection string>" if self._connection_string else self._account_url
        return f"{type(self).__name__}(container={self.container!r}, account={account!r})"

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self._upload(name, data, content_type)

    def put_stream(self, name: str, chunks: Iterable[bytes], content_type: str) -> int:
        counted = _Counted(chunks)
        # A retry could not replay an iterator: a failed stream fails the call instead.
        self._upload(name, counted, content_type, retry_total=0)
        return counted.size

    def _upload(self, name: str, data: Any, content_type: str, **options: Any) -> None:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError
        from azure.storage.blob import ContentSettings

        validate_blob_name(name)
        client = self._container_client()
        settings = ContentSettings(content_type=content_type)
        with self._errors_as_domain_errors():
            try:
                client.upload_blob(name, data, overwrite=True, content_settings=settings, **options)
            except AzureResourceNotFoundError:
                # Only the container can be missing here; a fresh Azurite has none.
                if not self.create_missing_container or isinstance(data, _Counted):
                    raise
                self.ensure_container()
                client.upload_blob(name, data, overwrite=True, content_settings=settings, **options)

    def get(self, name: str) -> bytes:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        validate_blob_name(name)
        client = self._container_client()
        with self._errors_as_domain_errors():
            try:
                return client.download_blob(name).readall()
            except AzureResourceNotFoundError:
                raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None

    def delete(self, name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        validate_blob_name(name)
        client = self._container_client()
        # Already gone is fine: deleting is idempotent.
        with self._errors_as_domain_errors(), suppress(AzureResourceNotFoundError):
            client.delete_blob(name, delete_snapshots="include")

    def exists(self, name: str) -> bool:
        validate_blob_name(name)
        client = self._container_client()
        with self._errors_as_domain_errors():
            return client.get_blob_client(name).exists()

    def size(self, name: str) -> int:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        validate_blob_name(name)
        blob = self._container_client().get_blob_client(name)
        with self._errors_as_domain_errors():
            try:
                return int(blob.get_blob_properties().size)
            except AzureResourceNotFoundError:
                raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None

    def head(self, name: str, length: int = HEAD_BYTES) -> bytes:
        from azure.core.exceptions import HttpResponseError
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        validate_blob_name(name)
        client = self._container_client()
        with self._errors_as_domain_errors():
            try:
                return client.download_blob(name, offset=0, length=length).readall()
            except AzureResourceNotFoundError:
                raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None
            except HttpResponseError as exc:
                if exc.status_code != 416:  # an empty blob has no range to read
                    raise
                return b""

    def chunks(self, name: str) -> Iterator[bytes]:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        validate_blob_name(name)
        client = self._container_client()
        with self._errors_as_domain_errors():
            try:
                download = client.download_blob(name)
            except AzureResourceNotFoundError:
                raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None
            yield from download.chunks()

    def names(self, modified_before: datetime) -> Iterator[str]:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        client = self._container_client()
        with self._errors_as_domain_errors(), suppress(AzureResourceNotFoundError):
            for blob in client.list_blobs():
                if blob.last_modified is not None and blob.last_modified < modified_before:
                    yield str(blob.name)

    def write_url(self, name: str, expires_at: datetime) -> str:
        from azure.storage.blob import BlobSasPermissions

        if self.create_missing_container:
            # The client writes straight to the container: nothing here would create it.
            self.ensure_container()
        # Create only: once the blob exists the URL cannot overwrite it, so it is used once.
        return self._signed_url(name, BlobSasPermissions(create=True), expires_at)

    def download_url(
        self, name: str, *, filename: str, content_type: str, expires_in: int
    ) -> str | None:
        from azure.storage.blob import BlobSasPermissions

        expires_at = utc_now() + timedelta(seconds=expires_in)
        return self._signed_url(
            name,
            BlobSasPermissions(read=True),
            expires_at,
            content_disposition=attachment(filename),
            content_type=content_type,
        )

    def _signed_url(
        self, name: str, permission: Any, expires_at: datetime, **overrides: Any
    ) -> str:
        from azure.storage.blob import generate_blob_sas

        validate_blob_name(name)
        client = self._container_client()
        signing: dict[str, Any]
        with self._errors_as_domain_errors():
            account_key = getattr(client.credential, "account_key", None)
            if account_key:
                signing = {"account_key": account_key}
            else:
                # A managed identity signs with a user delegation key (Storage Blob Delegator).
                if self._delegation_keys is None:
                    account_url = client.url.rsplit("/", 1)[0]
                    self._delegation_keys = DelegationKeys(account_url, client.credential)
                signing = {"user_delegation_key": self._delegation_keys.valid_until(expires_at)}
            sas = generate_blob_sas(
                client.account_name,
                self.container,
                name,
                permission=permission,
                # Valid from a little in the past: the storage service's clock may run ahead.
                start=utc_now() - CLOCK_SKEW,
                expiry=expires_at,
                **signing,
                **overrides,
            )
        return f"{client.get_blob_client(name).url}?{sas}"

    def check(self) -> None:
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        client = self._container_client()
        with self._errors_as_domain_errors():
            try:
                client.get_container_properties(**CHECK_OPTIONS)
            except AzureResourceNotFoundError:
                if not self.create_missing_container:
                    raise
                self._create_container(**CHECK_OPTIONS)

    def ensure_container(self) -> None:
        """Create the container unless it exists (Azurite and development accounts)."""
        with self._errors_as_domain_errors():
            self._create_container()

    def _create_container(self, **options: Any) -> None:
        from azure.core.exceptions import ResourceExistsError

        with suppress(ResourceExistsError):  # another instance created it first
            self._container_client().create_container(**options)

    def _container_client(self) -> ContainerClient:
        # Built on first use, once: building imports the SDK, and one client (one connection
        # pool) serves every thread of the worker.
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._build_client()
                client = self._client
        return client

    def _build_client(self) -> ContainerClient:
        from azure.storage.blob import ContainerClient, ExponentialRetry

        options: dict[str, Any] = {
            "connection_timeout": CONNECT_TIMEOUT_SECONDS,
            "read_timeout": READ_TIMEOUT_SECONDS,
            "retry_policy": ExponentialRetry(
                initial_backoff=FIRST_RETRY_BACKOFF_SECONDS,
                increment_base=2,
                retry_total=RETRIES,
                random_jitter_range=1,
            ),
        }
        try:
            if self._connection_string:
                return ContainerClient.from_connection_string(
                    self._connection_string, self.container, **options
                )
            from azure.identity import DefaultAzureCredential

            assert self._account_url is not None  # the constructor requires one of the two
            return ContainerClient(
                self._account_url, self.container, credential=DefaultAzureCredential(), **options
            )
        except ValueError:
            # The SDK's message may quote the setting; the setting holds the account key.
            raise DependencyUnavailableError(
                "Blob storage settings are malformed; check AZURE_STORAGE_CONNECTION_STRING "
                "or AZURE_STORAGE_ACCOUNT_URL (an https:// URL)."
            ) from None

    @contextmanager
    def _errors_as_domain_errors(self) -> Iterator[None]:
        from azure.core.exceptions import AzureError

        try:
            yield
        except AzureError as exc:
            raise DependencyUnavailableError(self._reason(exc)) from exc

    def _reason(self, exc: AzureError) -> str:
        """Why storage failed, in words safe to show: SDK messages can quote URLs and keys."""
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError

        # Storage answers a wrong key or a missing role with a plain 403, not an auth error.
        refused = isinstance(exc, HttpResponseError) and exc.status_code in (401, 403)
        if isinstance(exc, ClientAuthenticationError) or refused:
            return (
                "Blob storage refused the credentials; check AZURE_STORAGE_CONNECTION_STRING "
                "or the app's access to the storage account."
            )
        if isinstance(exc, AzureResourceNotFoundError):
            return (
                f"Blob container {self.container!r} does not exist; create it "
                "(the infrastructure deployment does) or fix AZURE_STORAGE_CONTAINER_NAME."
            )
        if isinstance(exc, ServiceRequestError):
            return "Blob storage does not answer; check that it is running and reachable."
        if isinstance(exc, ServiceResponseError):
            return "Blob storage stopped answering during a request; try again shortly."
        if isinstance(exc, HttpResponseError) and exc.status_code is not None:
            return f"Blob storage answered HTTP {exc.status_code}; try again shortly."
        return f"Blob storage failed ({type(exc).__name__}); try again shortly."


class _Counted:
    """An iterable of chunks that counts the bytes it has yielded."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            yield chunk
