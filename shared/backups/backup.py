"""`lms backup`: the database (and the blob containers), checksummed, maybe encrypted,
maybe uploaded, and the backups older than the retention removed."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from shared.backups import blobs, encryption, postgres, sqlite
from shared.backups.manifest import (
    MANIFEST_SUFFIX,
    BackupFile,
    Manifest,
    backups_in,
    describe,
    new_name,
    stamp_of,
)
from shared.backups.target import Target
from shared.bootstrap import Dependencies
from shared.version import __version__

Say = Callable[[str], None]


@dataclass(frozen=True)
class BackupRequest:
    target: Target
    output: Path
    retention_days: int
    include_blobs: bool = False


def make_backup(deps: Dependencies, request: BackupRequest, say: Say) -> Manifest:
    settings = deps.settings
    key = (
        encryption.parse_key(settings.BACKUP_ENCRYPTION_KEY or "")
        if (settings.BACKUP_ENCRYPTION_KEY)
        else None
    )
    output = request.output
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    started_at = deps.clock()
    started = time.monotonic()
    name = new_name(output, started_at)
    target = request.target

    say(f"Backing up {target.shown} to {output / name}.* ...")
    server_version: str | None = None
    if target.kind == "postgresql":
        plain = output / f"{name}.pgdump"
        result = postgres.dump(target.postgres(), plain, lambda table: say(f"  dumped {table}"))
        counts, revision, server_version = (
            result.row_counts,
            result.schema_revision,
            result.server_version,
        )
    else:
        plain = output / f"{name}.sqlite"
        counts, revision = sqlite.dump(target.url, plain)
        say(f"  copied {len(counts)} tables with the online backup API")
    database_file = _seal(plain, key)

    blobs_file: BackupFile | None = None
    containers = {}
    if request.include_blobs:
        names = blobs.data_containers(settings)
        stores = {container: deps.container(container) for container in names}
        archive = output / f"{name}.blobs.tar"
        containers = blobs.archive(
            stores, archive, lambda blob, size: say(f"  copied blob {blob} ({size} bytes)")
        )
        blobs_file = _seal(archive, key)

    manifest = Manifest(
        name=name,
        created_at=started_at,
        app_version=__version__,
        database=target.kind,
        server_version=server_version,
        schema_revision=revision,
        row_counts=counts,
        duration_seconds=round(time.monotonic() - started, 3),
        encrypted=key is not None,
        database_file=database_file,
        blobs_file=blobs_file,
        containers=containers,
    )
    manifest_path = manifest.write(output)
    if settings.BACKUP_CONTAINER:
        _upload(deps, settings.BACKUP_CONTAINER, output, manifest, manifest_path, say)
    _remove_expired(deps, request, name, say)
    return manifest


def _seal(plain: Path, key: bytes | None) -> BackupFile:
    """The file as kept: `plain` itself, or its encrypted form (`.enc`, the plain one removed)."""
    if key is None:
        os.chmod(plain, 0o600)
        return describe(plain)
    sealed = plain.with_name(plain.name + ".enc")
    with plain.open("rb") as source, sealed.open("wb") as target:
        os.chmod(sealed, 0o600)
        chunks = iter(lambda: source.read(encryption.CHUNK_BYTES), b"")
        for piece in encryption.encrypt(chunks, key):
            target.write(piece)
    plain.unlink()
    return describe(sealed)


def _upload(
    deps: Dependencies,
    container: str,
    folder: Path,
    manifest: Manifest,
    manifest_path: Path,
    say: Say,
) -> None:
    store = deps.container(container)
    store.check()  # reports a missing container (creates it outside production: Azurite)
    # The manifest last: a backup is listed in the container only once its files are there.
    for path in [*(folder / f.name for f in manifest.files), manifest_path]:
        with path.open("rb") as source:
            chunks = iter(lambda s=source: s.read(encryption.CHUNK_BYTES), b"")  # type: ignore[misc]
            store.put_stream(path.name, chunks, "application/octet-stream")
        say(f"  uploaded {path.name} to container {container}")


def _remove_expired(deps: Dependencies, request: BackupRequest, keep: str, say: Say) -> None:
    if request.retention_days <= 0:
        return
    cutoff = deps.clock() - timedelta(days=request.retention_days)
    for manifest_path in backups_in(request.output):
        name = manifest_path.name[: -len(MANIFEST_SUFFIX)]
        stamp = stamp_of(name)
        if name == keep or stamp is None or stamp >= cutoff:
            continue
        manifest_path.unlink()  # first: a backup without its manifest is no longer listed
        for path in request.output.glob(f"{name}.*"):
            path.unlink(missing_ok=True)
        say(f"  removed {name} (older than {request.retention_days} days)")
    container = deps.settings.BACKUP_CONTAINER
    if container:
        store = deps.container(container)
        for blob in list(store.names(modified_before=cutoff)):
            stamp = stamp_of(blob)
            if blob.startswith("lms-") and not blob.startswith(keep) and stamp and stamp < cutoff:
                store.delete(blob)
                say(f"  removed {blob} from container {container}")
