"""Where uploaded files live: one small interface, two adapters.

Services depend on `BlobStore` alone; shared/bootstrap.py builds the adapter STORAGE names
(`local.LocalBlobStore` on a laptop, `azure_blob.AzureBlobStore` in Azure and against
Azurite), importing it on first use, so the Azure SDK stays out of cold starts.

Both adapters accept the same names (see `validate_blob_name`), so a name that works on a
laptop works in Azure and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable
from urllib.parse import quote

# Azure's limit; applied everywhere so the local folder cannot accept what Azure refuses.
MAX_BLOB_NAME_LENGTH = 1024
# How much of a blob a caller reads to tell its type (filetype reads no further either).
HEAD_BYTES = 8192


class BlobStore(Protocol):
    """Bytes stored under a name. Content types are stored by the caller, with the file's row."""

    def put(self, name: str, data: bytes, content_type: str) -> None:
        """Store `data` under `name`, replacing what was there."""
        ...

    def get(self, name: str) -> bytes:
        """Return what is stored under `name`; raise ResourceNotFoundError when nothing is."""
        ...

    def delete(self, name: str) -> None:
        """Remove `name`; removing what is not there is not an error."""
        ...

    def put_stream(self, name: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Store what `chunks` yield under `name`, never holding all of it in memory; return
        the size. A chunk iterator that raises leaves nothing stored under `name`."""
        ...

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int:
        """The size in bytes of `name`; raise ResourceNotFoundError when nothing is stored."""
        ...

    def head(self, name: str, length: int = HEAD_BYTES) -> bytes:
        """The first `length` bytes of `name` (fewer if it is shorter)."""
        ...

    def chunks(self, name: str) -> Iterator[bytes]:
        """The bytes of `name` a piece at a time (backups read blobs larger than memory);
        raise ResourceNotFoundError when nothing is stored."""
        ...

    def names(self, modified_before: datetime) -> Iterator[str]:
        """The names of the blobs last written before `modified_before`, in no set order."""
        ...

    def check(self) -> None:
        """Raise DependencyUnavailableError, with a reason safe to show, if unusable."""
        ...

    def download_url(
        self, name: str, *, filename: str, content_type: str, expires_in: int
    ) -> str | None:
        """A URL that lets anyone holding it read `name` for `expires_in` seconds, served as
        an attachment called `filename`; None when the store has no such URLs (the caller
        then streams `get(name)` itself)."""
        ...


@runtime_checkable
class SignedUrls(Protocol):
    """A store that hands out URLs that create a blob, so a large upload bypasses the app
    (Azure's SAS). The local folder has none: `lms serve` takes those uploads itself
    (shared/local/uploads.py)."""

    def write_url(self, name: str, expires_at: datetime) -> str:
        """A URL that creates `name` once (a PUT), until `expires_at`; it cannot overwrite."""
        ...


def attachment(filename: str) -> str:
    """The Content-Disposition that saves a download as `filename` (RFC 6266): an ASCII
    fallback for old clients, then the exact name, percent-encoded UTF-8."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def validate_blob_name(name: str) -> str:
    """Return `name` unchanged, or raise ValueError saying why it cannot name a blob.

    Names are '/'-separated relative paths. The rules keep a name from leaving the local
    folder ('..', absolute paths, backslashes read as separators on Windows) and from being
    rewritten on its way to Azure (HTTP clients collapse '.' and '..', Azure trims a trailing
    '/'), so one name always means one blob.
    """
    if not name:
        raise ValueError("a blob name must not be empty")
    if len(name) > MAX_BLOB_NAME_LENGTH:
        raise ValueError(f"a blob name must have at most {MAX_BLOB_NAME_LENGTH} characters")
    if "\\" in name:
        raise ValueError(f"blob name {name!r} contains a backslash; separate parts with '/'")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise ValueError(f"blob name {name!r} contains a control character")
    if name.startswith("/"):
        raise ValueError(f"blob name {name!r} is absolute; drop the leading '/'")
    for segment in name.split("/"):
        if not segment:
            raise ValueError(f"blob name {name!r} has an empty part ('//' or a trailing '/')")
        if segment in (".", ".."):
            raise ValueError(f"blob name {name!r} contains {segment!r}; name the blob directly")
    return name
