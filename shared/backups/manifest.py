"""The manifest beside each backup: what it holds, and the checksums that prove it is whole."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

MANIFEST_SUFFIX = ".manifest.json"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
# lms-20250301T020000Z, and a counter when two backups start within one second.
NAME = re.compile(r"^lms-(\d{8}T\d{6}Z)(?:-(\d+))?$")
FORMAT_VERSION = 1
READ_CHUNK_BYTES = 1024 * 1024


class BackupRefusedError(RuntimeError):
    """A backup that must not be restored: incomplete, altered, or from a newer schema."""


class BackupFile(BaseModel):
    name: str
    sha256: str
    size: int = Field(ge=0)


class ContainerSummary(BaseModel):
    blobs: int = Field(ge=0)
    bytes: int = Field(ge=0)


class Manifest(BaseModel):
    format: int = FORMAT_VERSION
    name: str
    created_at: datetime
    app_version: str
    database: Literal["postgresql", "sqlite"]
    server_version: str | None = None
    schema_revision: str | None
    row_counts: dict[str, int]
    duration_seconds: float
    encrypted: bool
    database_file: BackupFile
    blobs_file: BackupFile | None = None
    containers: dict[str, ContainerSummary] = {}

    @property
    def files(self) -> list[BackupFile]:
        return [self.database_file] + ([self.blobs_file] if self.blobs_file else [])

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def age_seconds(self, now: datetime) -> float:
        return (now - self.created_at).total_seconds()

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}{MANIFEST_SUFFIX}"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.model_dump_json(indent=2) + "\n")
        temporary.replace(path)  # a manifest is there whole, or not at all
        return path


def new_name(folder: Path, now: datetime) -> str:
    """A name no backup in `folder` has yet, from the time it starts."""
    name = f"lms-{now.astimezone(UTC).strftime(STAMP_FORMAT)}"
    candidate, counter = name, 1
    while (folder / f"{candidate}{MANIFEST_SUFFIX}").exists():
        counter += 1
        candidate = f"{name}-{counter}"
    return candidate


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(READ_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def describe(path: Path) -> BackupFile:
    return BackupFile(name=path.name, sha256=sha256_of(path), size=path.stat().st_size)


def manifest_path_for(path: Path) -> Path:
    """The manifest of the backup `path` names: the manifest itself, or any of its files."""
    if path.name.endswith(MANIFEST_SUFFIX):
        return path
    stem = path.name.split(".", 1)[0]
    if not NAME.match(stem):
        raise BackupRefusedError(
            f"{path} is not a file `lms backup` wrote (names are lms-<time>.<kind>); give "
            "the manifest or the database file of a backup"
        )
    return path.with_name(f"{stem}{MANIFEST_SUFFIX}")


def load(path: Path) -> Manifest:
    """The manifest of the backup `path` names, or BackupRefusedError saying what is wrong."""
    manifest_path = manifest_path_for(path)
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_bytes())
    except FileNotFoundError:
        raise BackupRefusedError(
            f"{manifest_path.name} is missing beside {path.name}: without its manifest a "
            "backup cannot be checked; copy the manifest next to it"
        ) from None
    except (ValidationError, json.JSONDecodeError, UnicodeDecodeError):
        raise BackupRefusedError(
            f"{manifest_path} is not a readable backup manifest (damaged or edited)"
        ) from None
    if manifest.format > FORMAT_VERSION:
        raise BackupRefusedError(
            f"{manifest_path.name} was written by a newer `lms` (format {manifest.format}); "
            "restore it with the version that made it"
        )
    return manifest


def verify(manifest: Manifest, folder: Path, *, with_blobs: bool = False) -> None:
    """Check the size and sha256 of the backup's files against its manifest."""
    files = manifest.files if with_blobs else [manifest.database_file]
    for expected in files:
        path = folder / expected.name
        if not path.is_file():
            raise BackupRefusedError(f"{expected.name} is missing beside its manifest")
        size = path.stat().st_size
        if size != expected.size:
            raise BackupRefusedError(
                f"{expected.name} is {size} bytes, its manifest says {expected.size}: the file "
                "is truncated or corrupted; restore another backup"
            )
        if sha256_of(path) != expected.sha256:
            raise BackupRefusedError(
                f"{expected.name} does not match the sha256 in its manifest: the file is "
                "corrupted or was altered; restore another backup"
            )


def backups_in(folder: Path) -> list[Path]:
    """The manifests in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.iterdir()
        if p.name.endswith(MANIFEST_SUFFIX) and NAME.match(p.name[: -len(MANIFEST_SUFFIX)])
    ]
    return sorted(found, key=_order)


def _order(path: Path) -> tuple[str, int]:
    match = NAME.match(path.name[: -len(MANIFEST_SUFFIX)])
    assert match is not None
    return match.group(1), int(match.group(2) or 1)


def stamp_of(name: str) -> datetime | None:
    match = NAME.match(name.split(".", 1)[0])
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)
