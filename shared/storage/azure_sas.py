"""Short-lived read links to single blobs: shared access signatures (SAS).

With an account key (a connection string, Azurite) the SAS is signed with the key. With a
managed identity there is no key: the SAS is signed with a user delegation key, which the
identity asks Blob storage for (it needs the "Storage Blob Delegator" role, which "Storage
Blob Data Contributor" includes) and which is reused until shortly before it expires.

Each link allows reading one blob and nothing else, until its expiry, and makes the browser
save it under the given name (the SAS's response headers override the blob's own).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient, UserDelegationKey

# A link is valid from a little before now: the storage service's clock may run ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
# A user delegation key may live 7 days; asking for one an hour keeps a leaked one short-lived.
DELEGATION_KEY_LIFETIME = timedelta(hours=1)


class DelegationKeys:
    """The user delegation key of one storage account, fetched when needed and reused."""

    def __init__(self, account_url: str, credential: Any) -> None:
        self._account_url = account_url
        self._credential = credential
        self._key: UserDelegationKey | None = None
        self._expires = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def valid_until(self, until: datetime) -> UserDelegationKey:
        with self._lock:
            if self._key is None or self._expires < until:
                from azure.storage.blob import BlobServiceClient

                now = datetime.now(UTC)
                service = BlobServiceClient(self._account_url, credential=self._credential)
                self._expires = now + DELEGATION_KEY_LIFETIME
                self._key = service.get_user_delegation_key(now - CLOCK_SKEW, self._expires)
            return self._key


def read_url(
    client: ContainerClient,
    name: str,
    *,
    filename: str,
    content_type: str,
    expires_in: int,
    delegation_keys: DelegationKeys | None,
) -> str:
    """The blob's URL with a SAS that reads it for `expires_in` seconds."""
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    now = datetime.now(UTC)
    expiry = now + timedelta(seconds=expires_in)
    signing: dict[str, Any] = {}
    account_key = getattr(client.credential, "account_key", None)
    if account_key:
        signing["account_key"] = account_key
    elif delegation_keys is not None:
        signing["user_delegation_key"] = delegation_keys.valid_until(expiry)
    else:
        raise ValueError("no account key and no identity to sign a SAS with")
    token = generate_blob_sas(
        account_name=client.account_name,
        container_name=client.container_name,
        blob_name=name,
        permission=BlobSasPermissions(read=True),
        start=now - CLOCK_SKEW,
        expiry=expiry,
        content_disposition=f'attachment; filename="{filename}"',
        content_type=content_type,
        **signing,
    )
    return f"{client.get_blob_client(name).url}?{token}"
