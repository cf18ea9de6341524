"""Blobs as files under one folder: the store for a laptop and for `lms serve` on one node."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from shared.domain.errors import DependencyUnavailableError, ResourceNotFoundError
from shared.storage import HEAD_BYTES, validate_blob_name
from shared.storage.local_links import LocalLinks

CHUNK_BYTES = 1024 * 1024


class LocalBlobStore:
    """Stores each blob at `root/<name>`; parts of the name become folders.

    The content type is not kept: `BlobStore.get` returns bytes only, so callers already
    store the type with the file's row, and a sidecar file would be one more thing to keep
    in step with the blob.
    """

    def __init__(self, root: Path, links: LocalLinks | None = None) -> None:
        self.root = root
        self.links = links  # set where a host serves them (`lms serve`)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(root={str(self.root)!r})"

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.put_stream(name, [data], content_type)

    def put_stream(self, name: str, chunks: Iterable[bytes], content_type: str) -> int:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename over it: a reader sees the old bytes or the
        # new ones, never half a file, and a crash leaves at most a stray ".part" file.
        handle, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
        size = 0
        try:
            with os.fdopen(handle, "wb") as temp_file:
                for chunk in chunks:
                    temp_file.write(chunk)
                    size += len(chunk)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return size

    def get(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None

    def delete(self, name: str) -> None:
        # Empty folders are left behind on purpose: removing one could race a `put` that
        # has just created it for a sibling.
        path = self._path(name)
        if path.is_dir():  # a name that is only a prefix of stored blobs stores nothing
            return
        # NotADirectoryError: a prefix of the name is a blob, so the name itself is not.
        with suppress(NotADirectoryError):
            path.unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int:
        path = self._path(name)
        if not path.is_file():
            raise ResourceNotFoundError(f"No file is stored under {name!r}.")
        return path.stat().st_size

    def head(self, name: str, length: int = HEAD_BYTES) -> bytes:
        try:
            with self._path(name).open("rb") as stored:
                return stored.read(length)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None

    def chunks(self, name: str) -> Iterator[bytes]:
        try:
            stored = self._path(name).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ResourceNotFoundError(f"No file is stored under {name!r}.") from None
        with stored:
            while chunk := stored.read(CHUNK_BYTES):
                yield chunk

    def names(self, modified_before: datetime) -> Iterator[str]:
        if not self.root.is_dir():
            return
        cutoff = modified_before.astimezone(UTC).timestamp()
        for folder, _, files in os.walk(self.root):
            for file_name in files:
                if file_name.startswith("."):
                    continue  # a write in progress (".part"), or the health check's probe
                path = Path(folder) / file_name
                with suppress(FileNotFoundError):  # deleted while we walked
                    if path.stat().st_mtime < cutoff:
                        yield path.relative_to(self.root).as_posix()

    def check(self) -> None:
        probe = self.root / f".probe-{uuid.uuid4().hex}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise DependencyUnavailableError(
                f"The folder in LOCAL_STORAGE_DIR is not writable ({reason}); "
                "fix its permissions or point LOCAL_STORAGE_DIR at a writable folder."
            ) from None

    def download_url(
        self, name: str, *, filename: str, content_type: str, expires_in: int
    ) -> str | None:
        if self.links is None:
            return None  # no host here answers links: the app sends the bytes itself
        return self.links.url(
            self._path(name), filename=filename, content_type=content_type, expires_in=expires_in
        )

    def _path(self, name: str) -> Path:
        return self.root.joinpath(*validate_blob_name(name).split("/"))
