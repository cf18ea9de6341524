"""The blob containers in a backup: one tar of every container a `*_CONTAINER_NAME` setting
names (files, certificates, ...), members named `<container>/<blob name>`.

Uncompressed: uploads and PDFs are compressed already. In Azure, Blob versioning and soft
delete on the data account (infra/modules/storage.bicep) are the first answer to a deleted
or overwritten blob; this copy is the one that survives the account itself.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from shared.backups.manifest import ContainerSummary
from shared.config import Settings
from shared.storage import BlobStore

CONTAINER_SETTING_SUFFIX = "_CONTAINER_NAME"
COPY_BYTES = 1024 * 1024


def data_containers(settings: Settings) -> list[str]:
    """Every container a `*_CONTAINER_NAME` setting names: a container added with a new
    setting is backed up without a change here."""
    fields = [f for f in type(settings).model_fields if f.endswith(CONTAINER_SETTING_SUFFIX)]
    if settings.STORAGE == "local":
        # The Azure-only setting names no folder of its own on a laptop.
        fields.remove("AZURE_STORAGE_CONTAINER_NAME")
    return sorted({str(getattr(settings, field)) for field in fields})


class _ChunkReader:
    """A read() over an iterator of chunks, for tarfile."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def archive(
    stores: Mapping[str, BlobStore], target: Path, on_blob: Callable[[str, int], None]
) -> dict[str, ContainerSummary]:
    """Write every blob of `stores` into the tar `target`; return what each container held."""
    everything = datetime.now(UTC) + timedelta(days=1)
    summaries: dict[str, ContainerSummary] = {}
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for container, store in stores.items():
            count = total = 0
            for name in sorted(store.names(modified_before=everything)):
                info = tarfile.TarInfo(f"{container}/{name}")
                info.size = store.size(name)
                info.mtime = int(datetime.now(UTC).timestamp())
                info.mode = 0o600
                tar.addfile(info, _ChunkReader(store.chunks(name)))
                count += 1
                total += info.size
                on_blob(f"{container}/{name}", info.size)
            summaries[container] = ContainerSummary(blobs=count, bytes=total)
    return summaries


def _member_chunks(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(COPY_BYTES):
        yield chunk


def unpack(
    archive_file: Path, stores: Mapping[str, BlobStore], on_blob: Callable[[str, int], None]
) -> dict[str, int]:
    """Put every blob of the tar back into its container's store; return counts per
    container. Blobs the archive does not hold are left alone."""
    restored: dict[str, int] = {}
    with tarfile.open(archive_file, "r") as tar:
        for member in tar:
            if not member.isfile():
                continue
            container, _, name = member.name.partition("/")
            store = stores.get(container)
            if store is None or not name:
                raise ValueError(
                    f"the blob archive holds {member.name!r}, of a container ({container!r}) "
                    "no *_CONTAINER_NAME setting names; set it and restore again"
                )
            source = tar.extractfile(member)
            assert source is not None
            store.put_stream(name, _member_chunks(source), "application/octet-stream")
            restored[container] = restored.get(container, 0) + 1
            on_blob(member.name, member.size)
    return restored
