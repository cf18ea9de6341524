"""`lms restore`: check a backup against its manifest and the code, then put it back."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.backups import blobs, encryption, postgres, sqlite
from shared.backups.database import is_empty
from shared.backups.manifest import BackupFile, BackupRefusedError, Manifest, load, verify
from shared.backups.manifest import manifest_path_for as _manifest_path
from shared.backups.target import Target
from shared.bootstrap import Dependencies

Say = Callable[[str], None]


@dataclass(frozen=True)
class CheckedBackup:
    manifest: Manifest
    folder: Path
    needs_migration: bool


@dataclass(frozen=True)
class RestoreResult:
    backup: CheckedBackup
    revision_before: str | None
    revision_after: str | None
    blobs_restored: dict[str, int]


def known_revisions() -> list[str]:
    """The code's migrations, oldest first."""
    from alembic.script import ScriptDirectory

    from shared.db_migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def check(path: Path, *, with_blobs: bool = False) -> CheckedBackup:
    """The backup `path` names, once its files match its manifest and its schema is one this
    code can migrate; BackupRefusedError otherwise."""
    manifest = load(path)
    folder = _manifest_path(path).parent
    verify(manifest, folder, with_blobs=with_blobs)
    revisions = known_revisions()
    head = revisions[-1]
    if manifest.schema_revision is None:
        raise BackupRefusedError(
            f"{manifest.name} holds a database that was never migrated (no schema revision)"
        )
    if manifest.schema_revision not in revisions:
        raise BackupRefusedError(
            f"{manifest.name} is at schema revision {manifest.schema_revision}, which this "
            f"code does not know (its newest is {head}): the backup is newer than the code. "
            "Restore it with the version of lms that made it (its manifest says "
            f"{manifest.app_version}), or upgrade lms first"
        )
    return CheckedBackup(manifest, folder, manifest.schema_revision != head)


@contextmanager
def plain_file(backup: CheckedBackup, stored: BackupFile, key_text: str | None) -> Iterator[Path]:
    """The file's plain bytes on disk: the file itself, or decrypted into a private folder."""
    path = backup.folder / stored.name
    if not backup.manifest.encrypted:
        yield path
        return
    if not key_text:
        raise BackupRefusedError(
            f"{stored.name} is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with"
        )
    key = encryption.parse_key(key_text)
    with tempfile.TemporaryDirectory(prefix="lms-restore-") as folder:
        plain = Path(folder) / stored.name.removesuffix(".enc")
        try:
            with path.open("rb") as source, plain.open("wb") as target:
                for chunk in encryption.decrypt(source, key):
                    target.write(chunk)
        except encryption.BackupKeyError as exc:
            raise BackupRefusedError(f"{stored.name}: {exc}") from None
        yield plain


def restore_database(backup: CheckedBackup, target: Target, key_text: str | None, say: Say) -> None:
    """Replace the target database with the backup's (no migration)."""
    manifest = backup.manifest
    if manifest.database != target.kind:
        raise BackupRefusedError(
            f"{manifest.name} is a {manifest.database} backup and {target.shown} is "
            f"{target.kind}: restore it into a {manifest.database} database"
        )
    with plain_file(backup, manifest.database_file, key_text) as plain:
        if target.kind == "postgresql":
            postgres.restore(target.postgres(), plain, lambda table: say(f"  restoring {table}"))
        else:
            sqlite.restore(plain, target.url)
            say("  copied the database with the online backup API")


def restore(
    deps: Dependencies,
    path: Path,
    target: Target,
    *,
    replace: bool,
    include_blobs: bool,
    say: Say,
) -> RestoreResult:
    from shared import db_migrations

    backup = check(path, with_blobs=include_blobs)
    manifest = backup.manifest
    if include_blobs and manifest.blobs_file is None:
        raise BackupRefusedError(f"{manifest.name} has no blobs (made without --include-blobs)")
    if not replace and not is_empty(target.url, target.tls()):
        raise BackupRefusedError(
            f"{target.shown} is not empty: restoring replaces everything in it. Stop the app, "
            "then run the same command with --yes"
        )
    key_text = deps.settings.BACKUP_ENCRYPTION_KEY
    say(
        f"Restoring {manifest.name} ({manifest.total_rows} rows in {len(manifest.row_counts)} "
        f"tables, revision {manifest.schema_revision}) into {target.shown} ..."
    )
    restore_database(backup, target, key_text, say)
    before = manifest.schema_revision
    after = before
    if backup.needs_migration:
        say(f"  migrating from {before} to the code's schema ...")
        _, after = db_migrations.upgrade(target.url, tls=target.tls())
    restored: dict[str, int] = {}
    if include_blobs and manifest.blobs_file is not None:
        with plain_file(backup, manifest.blobs_file, key_text) as archive:
            stores = {name: deps.container(name) for name in manifest.containers}
            restored = blobs.unpack(
                archive, stores, lambda blob, size: say(f"  restored blob {blob} ({size} bytes)")
            )
    return RestoreResult(backup, before, after, restored)
