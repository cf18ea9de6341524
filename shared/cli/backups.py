"""`lms backup`, `lms restore`, `lms restore-drill` and `lms backup-key`.

Exit codes: 0 done; 1 the backup was refused or the drill found a problem (checksum,
schema, row counts, login, age); 2 the command could not run (settings, tools, database)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

REFUSED = 1
CANNOT_RUN = 2


def _say(line: str) -> None:
    print(line, flush=True)


def _fail(message: str, status: int) -> int:
    print(f"lms: {message}", file=sys.stderr)
    return status


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)


def _run(action: Any) -> int:
    """Run `action`, turning the failures an operator can fix into a message and a status."""
    from sqlalchemy.exc import DBAPIError

    from shared.backups.manifest import BackupRefusedError
    from shared.backups.pg_tools import ToolMissingError
    from shared.backups.postgres import PostgresToolError
    from shared.domain.errors import DependencyUnavailableError

    try:
        return int(action())
    except BackupRefusedError as exc:
        return _fail(f"refused: {exc}", REFUSED)
    except (ToolMissingError, PostgresToolError, ValueError, OSError) as exc:
        return _fail(str(exc), CANNOT_RUN)
    except DependencyUnavailableError as exc:
        return _fail(exc.detail, CANNOT_RUN)
    except DBAPIError as exc:
        return _fail(
            f"cannot use the database: {str(exc.orig).rstrip('.')}. Is the server running, "
            "and is DATABASE_URL (or --database-url) right?",
            CANNOT_RUN,
        )


def cmd_backup(args: argparse.Namespace) -> int:
    from shared import bootstrap
    from shared.backups.backup import BackupRequest, make_backup
    from shared.backups.target import target_for

    deps = bootstrap.current()
    settings = deps.settings

    def action() -> int:
        request = BackupRequest(
            target=target_for(settings, args.database_url),
            output=Path(args.output or settings.BACKUP_DIR),
            retention_days=(
                settings.BACKUP_RETENTION_DAYS
                if args.retention_days is None
                else args.retention_days
            ),
            include_blobs=args.include_blobs,
        )
        manifest = make_backup(deps, request, _say)
        size = sum(f.size for f in manifest.files)
        blobs = sum(c.blobs for c in manifest.containers.values())
        print(
            f"Backup {manifest.name}: {manifest.total_rows} rows in {len(manifest.row_counts)} "
            f"tables, schema {manifest.schema_revision}"
            + (f", {blobs} blobs" if manifest.blobs_file else "")
            + f", {_size(size)}{' encrypted' if manifest.encrypted else ''}, "
            f"{manifest.duration_seconds:.1f} s -> {request.output}"
        )
        return 0

    return _run(action)


def cmd_restore(args: argparse.Namespace) -> int:
    from shared import bootstrap
    from shared.backups.restore import restore
    from shared.backups.target import target_for

    deps = bootstrap.current()

    def action() -> int:
        target = target_for(deps.settings, args.database_url)
        result = restore(
            deps,
            Path(args.file),
            target,
            replace=args.yes,
            include_blobs=args.include_blobs,
            say=_say,
        )
        manifest = result.backup.manifest
        migrated = (
            f", migrated from {result.revision_before} to {result.revision_after}"
            if result.revision_before != result.revision_after
            else f", schema {result.revision_after}"
        )
        blobs = sum(result.blobs_restored.values())
        print(
            f"Restored {manifest.name} into {target.shown}: {manifest.total_rows} rows in "
            f"{len(manifest.row_counts)} tables{migrated}"
            + (f", {blobs} blobs" if args.include_blobs else "")
            + ". Start the app again."
        )
        return 0

    return _run(action)


def cmd_restore_drill(args: argparse.Namespace) -> int:
    from shared import bootstrap
    from shared.backups.drill import run_drill
    from shared.backups.target import target_for

    deps = bootstrap.current()

    def action() -> int:
        server = target_for(deps.settings, args.database_url)
        report = run_drill(deps, Path(args.file) if args.file else None, server, _say)
        age = "-" if report.age_seconds is None else f"{report.age_seconds / 3600:.2f} h"
        rto = "-" if report.rto_seconds is None else f"{report.rto_seconds:.1f} s"
        print(f"backup: {report.backup}")
        print(f"RPO (backup age): {age}")
        print(f"RTO (measured): {rto}")
        print(f"login: {report.login}")
        if report.passed:
            print("Restore drill PASSED.")
            return 0
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Restore drill FAILED: this backup cannot be relied on.", file=sys.stderr)
        return REFUSED

    return _run(action)


def cmd_backup_key(args: argparse.Namespace) -> int:
    from shared.backups.encryption import new_key

    print(new_key())
    print(
        "Keep it apart from the backups (Key Vault, a password manager): without it an "
        "encrypted backup cannot be restored.",
        file=sys.stderr,
    )
    return 0


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days (0 or more)")
    return number


def add_backup_commands(commands: Any) -> None:
    database_help = "database to use instead of DATABASE_URL"
    backup = commands.add_parser(
        "backup", help="back up the database (and blobs) into BACKUP_DIR, with a manifest"
    )
    backup.add_argument("--output", help="folder to write to (default BACKUP_DIR)")
    backup.add_argument(
        "--retention-days",
        type=_non_negative,
        help="remove backups older than this (default BACKUP_RETENTION_DAYS; 0 keeps all)",
    )
    backup.add_argument(
        "--include-blobs", action="store_true", help="also copy every blob container"
    )
    backup.add_argument("--database-url", help=database_help)
    backup.set_defaults(handler=cmd_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup (checked against its manifest), then migrate"
    )
    restore.add_argument("file", help="the backup's manifest or database file")
    restore.add_argument("--yes", action="store_true", help="replace a database that is not empty")
    restore.add_argument(
        "--include-blobs", action="store_true", help="also put the backup's blobs back"
    )
    restore.add_argument("--database-url", help=database_help)
    restore.set_defaults(handler=cmd_restore)

    drill = commands.add_parser(
        "restore-drill",
        help="restore the newest (or given) backup into a scratch database and check it",
    )
    drill.add_argument("file", nargs="?", help="a backup (default: the newest in BACKUP_DIR)")
    drill.add_argument(
        "--database-url", help="server to create the scratch database on (default DATABASE_URL)"
    )
    drill.set_defaults(handler=cmd_restore_drill)

    key = commands.add_parser("backup-key", help="print a new BACKUP_ENCRYPTION_KEY")
    key.set_defaults(handler=cmd_backup_key)
