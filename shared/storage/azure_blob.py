"""Blobs in one Azure Storage container: production, and Azurite in development and tests.

The SDK is imported inside methods, never at module level: it costs a noticeable part of a
cold start, and most invocations never touch a file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from shared.domain.errors import DependencyUnavailableError, ResourceNotFoundError
from shared.storage import validate_blob_name

if TYPE_CHECKING:
    from azure.core.exceptions import AzureError
    from azure.storage.blob import ContainerClient

    from shared.storage.azure_sas import DelegationKeys

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
        from azure.core.exceptions import ResourceNotFoundError as AzureResourceNotFoundError
        from azure.storage.blob import ContentSettings

        validate_blob_name(name)
        client = self._container_client()
        settings = ContentSettings(content_type=content_type)
        with self._errors_as_domain_errors():
            try:
                client.upload_blob(name, data, overwrite=True, content_settings=settings)
            except AzureResourceNotFoundError:
                # Only the container can be missing here; a fresh Azurite has none.
                if not self.create_missing_container:
                    raise
                self.ensure_container()
                client.upload_blob(name, data, overwrite=True, content_settings=settings)

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

    def download_url(
        self, name: str, *, filename: str, content_type: str, expires_in: int
    ) -> str | None:
        from shared.storage.azure_sas import DelegationKeys, read_url

        validate_blob_name(name)
        if '"' in filename or any(ord(char) < 32 for char in filename):
            raise ValueError(f"{filename!r} cannot be a download's file name")
        client = self._container_client()
        if self._delegation_keys is None and self._account_url and not self._connection_string:
            self._delegation_keys = DelegationKeys(self._account_url, client.credential)
        with self._errors_as_domain_errors():
            return read_url(
                client,
                name,
                filename=filename,
                content_type=content_type,
                expires_in=expires_in,
                delegation_keys=self._delegation_keys,
            )

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
