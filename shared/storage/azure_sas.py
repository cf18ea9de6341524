"""The key that signs shared access signatures (SAS) when there is no account key.

With an account key (a connection string, Azurite) AzureBlobStore signs a SAS with the key.
With a managed identity there is no key: the SAS is signed with a user delegation key, which
the identity asks Blob storage for (it needs the "Storage Blob Delegator" role, which "Storage
Blob Data Contributor" includes) and which is reused until shortly before it expires.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.storage.blob import UserDelegationKey

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
